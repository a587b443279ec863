import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ReservationItem } from './reservation-item.entity';

/**
 * active    → stock is held for the order
 * committed → the order is paid; the stock is consumed and a release is refused
 * released  → given back before commit (also the tombstone left by releasing an unknown order id)
 * cancelled → a committed reservation given back (order cancelled after confirmation)
 */
export type ReservationStatus = 'active' | 'committed' | 'released' | 'cancelled';

@Entity({ name: 'reservations' })
export class Reservation {
  @PrimaryColumn({ name: 'order_id', type: 'varchar', length: 64 })
  orderId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ReservationStatus;

  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'committed_at', type: 'timestamptz', nullable: true })
  committedAt!: Date | null;

  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt!: Date | null;

  @OneToMany(() => ReservationItem, (item) => item.reservation)
  items?: ReservationItem[];
}
