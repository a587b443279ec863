import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Reservation } from './reservation.entity';

@Entity({ name: 'reservation_items' })
export class ReservationItem {
  @PrimaryColumn({ name: 'order_id', type: 'varchar', length: 64 })
  orderId!: string;

  @PrimaryColumn({ name: 'menu_id', type: 'integer' })
  menuId!: number;

  @Column({ type: 'integer' })
  quantity!: number;

  /** The menu price (KRW won) when the stock was reserved; what the order is charged. */
  @Column({ name: 'unit_price', type: 'integer' })
  unitPrice!: number;

  @ManyToOne(() => Reservation, (reservation) => reservation.items)
  @JoinColumn({ name: 'order_id' })
  reservation?: Reservation;
}
