import {
  Column,
  CreateDateColumn,
  Entity,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type ValueTransformer,
} from 'typeorm';
import { OrderItem } from './order-item.entity';

/**
 * PENDING   → placed; the saga (or, if it died, the recovery loop) has not decided yet
 * CONFIRMED → stock reserved and paid; the reservation is (being) committed
 * FAILED    → never paid; any reservation is (being) released
 * CANCELLED → cancelled by the user; the stock is (being) given back
 */
export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'FAILED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Why an order ended FAILED. */
export const FAILURE_REASONS = [
  'PAYMENT_FAILED',
  'OUT_OF_STOCK',
  'MENU_NOT_FOUND',
  'RESERVATION_TIMEOUT',
  'RESTAURANT_UNAVAILABLE',
  'RESTAURANT_ERROR',
  'RESERVATION_REJECTED',
  'SAGA_INTERRUPTED',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** BIGINT arrives as a string from pg; totals stay far below 2^53. */
const bigintToNumber: ValueTransformer = {
  to: (value: number | null) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@Entity({ name: 'orders' })
export class Order {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: OrderStatus;

  @Column({ name: 'failure_reason', type: 'varchar', length: 32, nullable: true })
  failureReason!: FailureReason | null;

  /** Sum of the line totals (KRW won) once the restaurant priced the reservation; null before. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintToNumber })
  total!: number | null;

  @Column({ type: 'varchar', length: 200 })
  address!: string;

  @Column({ type: 'varchar', length: 32 })
  phone!: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 100, nullable: true })
  idempotencyKey!: string | null;

  /** sha256 of the request body, to refuse an Idempotency-Key reused for a different order. */
  @Column({ name: 'request_hash', type: 'char', length: 64, nullable: true, select: false })
  requestHash!: string | null;

  /** Bumped by every change; orders the writes to the cache (an older version never overwrites a newer one). */
  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'recovery_claimed_at', type: 'timestamptz', nullable: true, select: false })
  recoveryClaimedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany(() => OrderItem, (item) => item.order)
  items?: OrderItem[];
}
