import { CreateOrderSchema1764000000000 } from './migrations/1764000000000-create-order-schema';
import { OrderItemId1766000000000 } from './migrations/1766000000000-order-item-id';
import { OrderItem } from './orders/order-item.entity';
import { Order } from './orders/order.entity';

/**
 * Everything TypeORM needs to know about the order service's own schema. Entities: the tables queried through
 * TypeORM; the outbox (`saga_tasks`) is SQL only (saga-tasks.service.ts).
 */
export const ORDER_DATABASE = {
  schema: 'order',
  entities: [Order, OrderItem],
  migrations: [CreateOrderSchema1764000000000, OrderItemId1766000000000],
  applicationName: 'order-service',
};
