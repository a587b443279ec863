import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Order } from './order.entity';

@Entity({ name: 'order_items' })
export class OrderItem {
  @PrimaryColumn({ name: 'order_id', type: 'integer' })
  orderId!: number;

  @PrimaryColumn({ name: 'menu_id', type: 'integer' })
  menuId!: number;

  /** Numbers every item across orders (the original service's item `id`); the key stays (order_id, menu_id). */
  @Column({ type: 'integer', insert: false, update: false })
  id!: number;

  @Column({ type: 'integer' })
  quantity!: number;

  /** Menu name as the restaurant reported it when reserving; null until then. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  /** KRW won, from the restaurant's reservation (never from the client); null until reserved. */
  @Column({ name: 'unit_price', type: 'integer', nullable: true })
  unitPrice!: number | null;

  @ManyToOne(() => Order, (order) => order.items, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  // Relation<> keeps decorator metadata from touching Order while the two modules load each other.
  order?: Relation<Order>;
}
