import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * release → give an uncommitted reservation back (order FAILED); refused-as-committed falls back to cancel
 * commit  → mark the reservation consumed (order CONFIRMED)
 * cancel  → give the stock back whatever the reservation's state (order CANCELLED)
 */
export const SAGA_ACTIONS = ['release', 'commit', 'cancel'] as const;
export type SagaAction = (typeof SAGA_ACTIONS)[number];

/**
 * The outbox of the saga: a call the restaurant service must eventually accept. Written in the same transaction
 * as the order's status change, so a crash between the two is impossible; deleted once the restaurant confirms.
 */
@Entity({ name: 'saga_tasks' })
export class SagaTask {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'order_id', type: 'integer' })
  orderId!: number;

  @Column({ type: 'varchar', length: 16 })
  action!: SagaAction;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  /** Set when the restaurant refused the task for good (needs an operator); the audit reports these. */
  @Column({ name: 'dead_at', type: 'timestamptz', nullable: true })
  deadAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
