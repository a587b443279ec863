import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager, type Repository } from 'typeorm';
import type { SagaAction } from '../saga/saga-task.entity';
import type { OrderDto } from './dto/order.dto';
import { OrderCache } from './order-cache.service';
import { OrderItem } from './order-item.entity';
import { Order, type FailureReason, type OrderStatus } from './order.entity';

export interface NewOrder {
  userId: number;
  items: { menu_id: number; quantity: number }[];
  address: string;
  phone: string;
  idempotencyKey: string | null;
  requestHash: string;
}

export interface PricedItem {
  menu_id: number;
  name: string;
  unit_price: number;
}

/** A saga task to write together with a status change, and how long the inline attempt may hold it. */
export interface TaskToQueue {
  action: SagaAction;
  /** The background worker leaves the task alone this long (the request is trying it right away). */
  leaseMs: number;
}

export type CancelResult =
  { kind: 'not_found' } | { kind: 'not_cancellable'; order: Order } | { kind: 'cancelled'; order: Order };

export function toOrderDto(order: Order): OrderDto {
  const items = [...(order.items ?? [])]
    .sort((a, b) => a.menuId - b.menuId)
    .map((item) => ({
      menu_id: item.menuId,
      name: item.name,
      quantity: item.quantity,
      unit_price: item.unitPrice,
      line_total: item.unitPrice === null ? null : item.unitPrice * item.quantity,
    }));
  return {
    id: order.id,
    user_id: order.userId,
    status: order.status,
    items,
    total: order.total,
    currency: 'KRW',
    address: order.address,
    phone: order.phone,
    failure_reason: order.failureReason,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

const ORDERS = '"order"."orders"';
const ORDER_ITEMS = '"order"."order_items"';
const SAGA_TASKS = '"order"."saga_tasks"';

/**
 * Orders in Postgres. Every status change is a conditional update (`WHERE status IN (...)`, or a row lock for
 * cancel), so the saga, a cancel and the recovery loop racing on one order can never both apply; the saga task
 * that must follow a change is written in the same transaction. Each change then invalidates the cached copy.
 */
@Injectable()
export class OrderStore {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Order) private readonly orders: Repository<Order>,
    @InjectRepository(OrderItem) private readonly items: Repository<OrderItem>,
    private readonly cache: OrderCache,
  ) {}

  /** The order a user placed with this Idempotency-Key, with the hash of the request that placed it. */
  async findByIdempotencyKey(
    userId: number,
    key: string,
  ): Promise<{ order: Order; requestHash: string | null } | null> {
    const [row] = await this.dataSource.query<{ id: number; request_hash: string | null }[]>(
      `SELECT id, request_hash FROM ${ORDERS} WHERE user_id = $1 AND idempotency_key = $2`,
      [userId, key],
    );
    if (!row) return null;
    const order = await this.findById(row.id);
    return order ? { order, requestHash: row.request_hash } : null;
  }

  /**
   * Records a new PENDING order with its items. Returns null when the user already has an order with this
   * Idempotency-Key: a racing duplicate waits on the unique index until the first one commits, then finds it.
   */
  async insertPending(input: NewOrder): Promise<Order | null> {
    const id = await this.dataSource.transaction(async (manager) => {
      const [inserted] = await manager.query<{ id: number }[]>(
        `INSERT INTO ${ORDERS} (user_id, status, address, phone, idempotency_key, request_hash)
         VALUES ($1, 'PENDING', $2, $3, $4, $5)
         ON CONFLICT (user_id, idempotency_key) DO NOTHING
         RETURNING id`,
        [input.userId, input.address, input.phone, input.idempotencyKey, input.requestHash],
      );
      if (!inserted) return null;
      await manager.query(
        `INSERT INTO ${ORDER_ITEMS} (order_id, menu_id, quantity)
         SELECT $1, menu_id, quantity FROM unnest($2::int[], $3::int[]) AS l(menu_id, quantity)`,
        [inserted.id, input.items.map((item) => item.menu_id), input.items.map((item) => item.quantity)],
      );
      return inserted.id;
    });
    return id === null ? null : this.findById(id);
  }

  findById(id: number): Promise<Order | null> {
    return this.orders.findOne({ where: { id }, relations: { items: true } });
  }

  /** The order if it belongs to the user (someone else's order is indistinguishable from a missing one). */
  findForUser(userId: number, id: number): Promise<Order | null> {
    return this.orders.findOne({ where: { id, userId }, relations: { items: true } });
  }

  /** A page of the user's orders, newest first, and how many they have. */
  async page(userId: number, page: number, limit: number): Promise<{ orders: Order[]; total: number }> {
    const [orders, total] = await this.orders.findAndCount({
      where: { userId },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (page - 1) * limit,
      take: limit,
    });
    if (orders.length) {
      const items = await this.items.find({ where: { orderId: In(orders.map((order) => order.id)) } });
      for (const order of orders) order.items = items.filter((item) => item.orderId === order.id);
    }
    return { orders, total };
  }

  /** Stores the restaurant's prices on a PENDING order; false when the order is no longer PENDING. */
  async savePrices(orderId: number, priced: PricedItem[]): Promise<boolean> {
    const version = await this.dataSource.transaction(async (manager) => {
      const [locked] = await manager.query<{ id: number }[]>(
        `SELECT id FROM ${ORDERS} WHERE id = $1 AND status = 'PENDING' FOR UPDATE`,
        [orderId],
      );
      if (!locked) return null;
      await manager.query(
        `UPDATE ${ORDER_ITEMS} i SET name = l.name, unit_price = l.unit_price
           FROM unnest($2::int[], $3::varchar[], $4::int[]) AS l(menu_id, name, unit_price)
          WHERE i.order_id = $1 AND i.menu_id = l.menu_id`,
        [
          orderId,
          priced.map((item) => item.menu_id),
          priced.map((item) => item.name),
          priced.map((item) => item.unit_price),
        ],
      );
      const [rows] = await manager.query<[{ version: number }[], number]>(
        `UPDATE ${ORDERS} SET total = (SELECT SUM(quantity::bigint * unit_price) FROM ${ORDER_ITEMS}
                                        WHERE order_id = $1),
                              version = version + 1, updated_at = now()
          WHERE id = $1
          RETURNING version`,
        [orderId],
      );
      return rows[0].version;
    });
    if (version === null) return false;
    await this.cache.invalidate(orderId, version);
    return true;
  }

  /**
   * Moves an order from one of `from` to `to`, with the saga task that must follow, in one transaction.
   * Returns the updated order, or null when the order was not in one of `from` (someone else decided first).
   */
  async transition(
    orderId: number,
    from: OrderStatus[],
    to: OrderStatus,
    options: { reason?: FailureReason | null; task?: TaskToQueue } = {},
  ): Promise<Order | null> {
    const changed = await this.dataSource.transaction(async (manager) => {
      const updated = await manager.query<UpdateResult>(
        `UPDATE ${ORDERS} SET status = $2, failure_reason = $3, version = version + 1, updated_at = now()
          WHERE id = $1 AND status = ANY($4::varchar[])`,
        [orderId, to, options.reason ?? null, from],
      );
      if (affected(updated) === 0) return false;
      if (options.task) await queueTask(manager, orderId, options.task);
      return true;
    });
    return changed ? this.publish(orderId) : null;
  }

  /**
   * The user's cancel: PENDING or CONFIRMED → CANCELLED with a cancel task, under a row lock so two concurrent
   * cancels (or a cancel racing the saga) apply once. A pending commit is dropped: cancel handles both states.
   */
  async cancel(userId: number, orderId: number, leaseMs: number): Promise<CancelResult> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<{ status: OrderStatus }[]>(
        `SELECT status FROM ${ORDERS} WHERE id = $1 AND user_id = $2 FOR UPDATE`,
        [orderId, userId],
      );
      if (!row) return 'not_found' as const;
      if (row.status !== 'PENDING' && row.status !== 'CONFIRMED') return 'not_cancellable' as const;
      await manager.query(
        `UPDATE ${ORDERS} SET status = 'CANCELLED', failure_reason = NULL, version = version + 1,
                              updated_at = now()
          WHERE id = $1`,
        [orderId],
      );
      await manager.query(`DELETE FROM ${SAGA_TASKS} WHERE order_id = $1 AND action = 'commit'`, [orderId]);
      await queueTask(manager, orderId, { action: 'cancel', leaseMs });
      return 'cancelled' as const;
    });
    if (outcome === 'not_found') return { kind: 'not_found' };
    const order = outcome === 'cancelled' ? await this.publish(orderId) : await this.findById(orderId);
    if (!order) return { kind: 'not_found' };
    return { kind: outcome, order };
  }

  /** Reads the order after a change and invalidates its cached copy. */
  private async publish(orderId: number): Promise<Order | null> {
    const order = await this.findById(orderId);
    if (order) await this.cache.invalidate(orderId, order.version);
    return order;
  }
}

/** TypeORM answers an UPDATE or DELETE with `[rows, rowCount]`. */
export type UpdateResult = [unknown[], number];

export function affected(result: UpdateResult): number {
  return result[1] ?? 0;
}

async function queueTask(manager: EntityManager, orderId: number, task: TaskToQueue): Promise<void> {
  await manager.query(
    `INSERT INTO ${SAGA_TASKS} (order_id, action, next_attempt_at)
     VALUES ($1, $2, now() + $3 * interval '1 millisecond')
     ON CONFLICT (order_id, action) DO NOTHING`,
    [orderId, task.action, task.leaseMs],
  );
}
