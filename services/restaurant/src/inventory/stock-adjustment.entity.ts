import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AdjustmentReason = 'seed' | 'reset' | 'decrease' | 'restore';

/** A stock movement that is not a reservation; the audit adds these up to get each menu's initial stock. */
@Entity({ name: 'stock_adjustments' })
export class StockAdjustment {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'menu_id', type: 'integer' })
  menuId!: number;

  /** Signed change of stock. */
  @Column({ type: 'integer' })
  delta!: number;

  @Column({ type: 'varchar', length: 16 })
  reason!: AdjustmentReason;

  /** "user:<id>", "admin" or "seed". */
  @Column({ type: 'varchar', length: 64, nullable: true })
  actor!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
