import { Injectable } from '@nestjs/common';
import { PreparedStatement } from '@food-delivery/database';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager, type Repository } from 'typeorm';
import type { SagaAction } from '../saga/saga-tasks.service';
import type { OrderDto } from './dto/order.dto';
import { OrderCache } from './order-cache.service';
import { OrderItem } from './order-item.entity';
import { Order, type FailureReason, type OrderStatus } from './order.entity';
import { paymentStatusOf } from './payment-status';

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
      id: item.id,
      menu_id: item.menuId,
      name: item.name,
      quantity: item.quantity,
      price: item.unitPrice,
      line_total: item.unitPrice === null ? null : item.unitPrice * item.quantity,
    }));
  return {
    id: order.id,
    user_id: order.userId,
    status: order.status,
    items,
    total_price: order.total,
    currency: 'KRW',
    address: order.address,
    phone: order.phone,
    failure_reason: order.failureReason,
    payment_status: paymentStatusOf(order),
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

/** An order row as raw SQL returns it (`total` is a bigint, i.e. a string). */
interface OrderRow {
  id: number;
  user_id: number;
  status: OrderStatus;
  failure_reason: FailureReason | null;
  total: string | null;
  address: string;
  phone: string;
  idempotency_key: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface OrderItemRow {
  id: number;
  menu_id: number;
  quantity: number;
  name: string | null;
  unit_price: number | null;
}

const ORDER_COLUMNS =
  'id, user_id, status, failure_reason, total, address, phone, idempotency_key, version, created_at, updated_at';

/** The entity from a raw row, without a second query for what the statement already returned. */
function orderFromRow(row: OrderRow, items: OrderItemRow[]): Order {
  const order = Object.assign(new Order(), {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    failureReason: row.failure_reason,
    total: row.total === null ? null : Number(row.total),
    address: row.address,
    phone: row.phone,
    idempotencyKey: row.idempotency_key,
    version: row.version,
    // json_agg returns timestamps as strings; the driver returns Dates.
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  });
  order.items = items.map((item) =>
    Object.assign(new OrderItem(), {
      orderId: row.id,
      id: item.id,
      menuId: item.menu_id,
      quantity: item.quantity,
      name: item.name,
      unitPrice: item.unit_price,
    }),
  );
  return order;
}

const ORDERS = '"order"."orders"';
const ORDER_ITEMS = '"order"."order_items"';
const SAGA_TASKS = '"order"."saga_tasks"';

/** A new PENDING order and its items in one statement (see insertPending). */
const INSERT_PENDING = new PreparedStatement<OrderRow & { item_ids: { id: number; menu_id: number }[] }>(`
  WITH o AS (
    INSERT INTO ${ORDERS} (user_id, status, address, phone, idempotency_key, request_hash)
    VALUES ($1, 'PENDING', $2, $3, $4, $5)
    ON CONFLICT (user_id, idempotency_key) DO NOTHING
    RETURNING ${ORDER_COLUMNS}
  ), i AS (
    INSERT INTO ${ORDER_ITEMS} (order_id, menu_id, quantity)
    SELECT o.id, l.menu_id, l.quantity FROM o, unnest($6::int[], $7::int[]) AS l(menu_id, quantity)
    RETURNING id, menu_id
  )
  SELECT o.*, COALESCE((SELECT json_agg(json_build_object('id', i.id, 'menu_id', i.menu_id)) FROM i), '[]'::json)
           AS item_ids
    FROM o`);

/** A status change with optional prices and a saga task in one statement (see transition). */
const TRANSITION = new PreparedStatement<OrderRow & { items: OrderItemRow[] }>(`
  WITH l AS (
    SELECT * FROM unnest($5::int[], $6::varchar[], $7::int[]) AS l(menu_id, name, unit_price)
  ), o AS (
    UPDATE ${ORDERS}
       SET status = $2, failure_reason = $3, version = version + 1, updated_at = now(),
           total = COALESCE((SELECT SUM(i.quantity::bigint * l.unit_price)
                               FROM ${ORDER_ITEMS} i JOIN l ON l.menu_id = i.menu_id
                              WHERE i.order_id = $1), total)
     WHERE id = $1 AND status = ANY($4::varchar[])
     RETURNING ${ORDER_COLUMNS}
  ), priced AS (
    UPDATE ${ORDER_ITEMS} i SET name = l.name, unit_price = l.unit_price
      FROM l, o
     WHERE i.order_id = o.id AND i.menu_id = l.menu_id
     RETURNING i.id, i.menu_id, i.quantity, i.name, i.unit_price
  ), task AS (
    INSERT INTO ${SAGA_TASKS} (order_id, action, next_attempt_at)
    SELECT o.id, $8::varchar, now() + $9::int * interval '1 millisecond' FROM o WHERE $8::varchar IS NOT NULL
    ON CONFLICT (order_id, action) DO NOTHING
  )
  SELECT o.*,
         COALESCE((SELECT json_agg(priced) FROM priced),
                  (SELECT json_agg(json_build_object('id', i.id, 'menu_id', i.menu_id, 'quantity', i.quantity,
                                                     'name', i.name, 'unit_price', i.unit_price))
                     FROM ${ORDER_ITEMS} i WHERE i.order_id = $1),
                  '[]'::json) AS items
    FROM o`);

/**
 * Orders in Postgres, by the data-access rule of docs/architecture.md: entities are read through repositories,
 * state changes are single conditional statements (`WHERE status = ANY(...)`, or a row lock for cancel) so the
 * saga, a cancel and the recovery loop racing on one order can never both apply, and the per-order ones are
 * prepared. The saga task that must follow a change is written in the same statement or transaction. Each change
 * then invalidates the cached copy.
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
   * Records a new PENDING order with its items in one statement (atomic without an explicit transaction, one
   * round trip). Returns null when the user already has an order with this Idempotency-Key: a racing duplicate
   * waits on the unique index until the first one commits, then finds it.
   */
  async insertPending(input: NewOrder): Promise<Order | null> {
    const [row] = await INSERT_PENDING.run(this.dataSource, [
      input.userId,
      input.address,
      input.phone,
      input.idempotencyKey,
      input.requestHash,
      input.items.map((item) => item.menu_id),
      input.items.map((item) => item.quantity),
    ]);
    if (!row) return null;
    const ids = new Map(row.item_ids.map((item) => [item.menu_id, item.id]));
    return orderFromRow(
      row,
      input.items.map((item) => ({
        id: ids.get(item.menu_id)!,
        menu_id: item.menu_id,
        quantity: item.quantity,
        name: null,
        unit_price: null,
      })),
    );
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

  /**
   * Moves an order from one of `from` to `to` in one statement (one round trip, atomic): optionally stores the
   * restaurant's prices and the total, and queues the saga task that must follow. Returns the updated order
   * with its items, or null when the order was not in one of `from` (someone else decided first). Invalidates
   * the cached copy (there is none of a PENDING order).
   */
  async transition(
    orderId: number,
    from: OrderStatus[],
    to: OrderStatus,
    options: { reason?: FailureReason | null; task?: TaskToQueue; priced?: PricedItem[] } = {},
  ): Promise<Order | null> {
    const priced = options.priced ?? [];
    const [row] = await TRANSITION.run(this.dataSource, [
      orderId,
      to,
      options.reason ?? null,
      from,
      priced.map((item) => item.menu_id),
      priced.map((item) => item.name),
      priced.map((item) => item.unit_price),
      options.task?.action ?? null,
      options.task?.leaseMs ?? 0,
    ]);
    if (!row) return null;
    const order = orderFromRow(row, row.items);
    // PENDING orders are never cached (see OrdersService.findOne), so leaving PENDING has nothing to evict.
    if (from.some((status) => status !== 'PENDING')) await this.cache.invalidate(orderId, order.version);
    return order;
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

async function queueTask(manager: EntityManager, orderId: number, task: TaskToQueue): Promise<void> {
  await manager.query(
    `INSERT INTO ${SAGA_TASKS} (order_id, action, next_attempt_at)
     VALUES ($1, $2, now() + $3 * interval '1 millisecond')
     ON CONFLICT (order_id, action) DO NOTHING`,
    [orderId, task.action, task.leaseMs],
  );
}
