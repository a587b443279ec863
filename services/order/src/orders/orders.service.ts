import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '@food-delivery/auth';
import { ApiError } from '@food-delivery/http';
import { setSpanAttributes } from '@food-delivery/observability';
import { DependencyError } from '@food-delivery/http-client';
import { createHash } from 'node:crypto';
import type { CallContext } from '../downstream/call-context';
import { UserServiceClient } from '../downstream/user-service.client';
import { ordersTotal, sagaDuration } from '../metrics';
import { OrderSaga, type PlaceOutcome } from '../saga/order-saga.service';
import { SagaWorker } from '../saga/saga-worker.service';
import type { CreateOrderDto } from './dto/create-order.dto';
import type { OrderDto, OrderPageDto } from './dto/order.dto';
import { AccountStatus } from './account-status.service';
import { OrderCache } from './order-cache.service';
import { failureOf, orderNotFound } from './order-failures';
import { OrderStore, toOrderDto } from './order-store.service';
import type { Order } from './order.entity';

export interface RequestMeta {
  requestId?: string;
  idempotencyKey?: string;
}

/** The same order request always hashes the same (item order does not matter). */
function hashRequest(dto: CreateOrderDto): string {
  const items = [...dto.items]
    .sort((a, b) => a.menu_id - b.menu_id)
    .map((item) => [item.menu_id, item.quantity]);
  return createHash('sha256')
    .update(JSON.stringify([items, dto.address, dto.phone]))
    .digest('hex');
}

/**
 * Orders as the API sees them: placing (validate the user, record the order PENDING, then the saga in
 * saga/order-saga.service.ts), reading (through the cache), listing and cancelling.
 */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(
    private readonly store: OrderStore,
    private readonly cache: OrderCache,
    private readonly users: UserServiceClient,
    private readonly accounts: AccountStatus,
    private readonly worker: SagaWorker,
    private readonly saga: OrderSaga,
  ) {}

  async place(user: AuthUser, dto: CreateOrderDto, meta: RequestMeta): Promise<PlaceOutcome> {
    const context: CallContext = { requestId: meta.requestId };
    const requestHash = hashRequest(dto);
    const key = meta.idempotencyKey ?? null;

    // Throws 504/503/502 (naming the user service) or 403 before anything is written. A replayed key is found
    // by the insert below (no lookup on the hot path), or here when the user service cannot answer: a client
    // retrying an order that was placed still gets its answer during a user-service outage.
    try {
      await this.users.validate(user.id, context);
      this.accounts.record(user.id, true);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'USER_INVALID') this.accounts.record(user.id, false);
      const previous =
        key && error instanceof DependencyError ? await this.store.findByIdempotencyKey(user.id, key) : null;
      if (previous) return this.replay(previous.order, previous.requestHash, requestHash);
      throw error;
    }

    const started = process.hrtime.bigint();
    const order = await this.store.insertPending({
      userId: user.id,
      items: dto.items,
      address: dto.address,
      phone: dto.phone,
      idempotencyKey: key,
      requestHash,
    });
    if (!order) {
      // Lost an Idempotency-Key race: the winner's order is the answer.
      const previous = key ? await this.store.findByIdempotencyKey(user.id, key) : null;
      if (!previous) throw new Error(`Order with idempotency key vanished (user ${user.id})`);
      return this.replay(previous.order, previous.requestHash, requestHash);
    }
    setSpanAttributes({ 'order.id': order.id });
    this.logger.log(
      { event: 'order.placed', order_id: order.id, user_id: user.id, items: dto.items.length },
      `Order ${order.id} placed`,
    );

    const outcome = await this.saga.run(order, context);
    const status = outcome.order.status;
    setSpanAttributes({
      'order.status': status,
      'order.failure_reason': outcome.order.failure_reason ?? undefined,
    });
    ordersTotal.inc({ status, reason: outcome.order.failure_reason ?? '' });
    sagaDuration.observe({ status }, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }

  async findOne(user: AuthUser, id: number): Promise<{ order: OrderDto; cached: boolean }> {
    const cached = await this.cache.get(id);
    if (cached) {
      if (cached.user_id !== user.id) throw orderNotFound(id);
      return { order: cached, cached: true };
    }
    const order = await this.store.findForUser(user.id, id);
    if (!order) throw orderNotFound(id);
    const dto = toOrderDto(order);
    // A PENDING order is about to change (the saga decides within seconds): not worth caching, and never
    // caching it spares the saga a cache invalidation on every order.
    if (order.status !== 'PENDING') await this.cache.fill(dto, order.version);
    return { order: dto, cached: false };
  }

  async list(user: AuthUser, page: number, limit: number): Promise<OrderPageDto> {
    const result = await this.store.page(user.id, page, limit);
    return { orders: result.orders.map(toOrderDto), page, limit, total: result.total };
  }

  /**
   * PENDING or CONFIRMED → CANCELLED, and the stock given back through the outbox (tried right away, while the
   * caller waits). FAILED or CANCELLED orders hold no stock: 409, nothing restored.
   */
  async cancel(user: AuthUser, id: number, requestId?: string): Promise<OrderDto> {
    const result = await this.store.cancel(user.id, id, this.worker.leaseMs);
    if (result.kind === 'not_found') throw orderNotFound(id);
    if (result.kind === 'not_cancellable') {
      throw new ApiError(
        409,
        'ORDER_NOT_CANCELLABLE',
        `Order ${id} is ${result.order.status}; only PENDING or CONFIRMED orders can be cancelled`,
      );
    }
    this.logger.log({ event: 'order.cancelled', order_id: id, user_id: user.id }, `Order ${id} cancelled`);
    const restored = await this.worker.runInline(id, 'cancel', { requestId });
    if (!restored) {
      this.logger.warn(
        { event: 'order.cancel_deferred', order_id: id },
        `Stock of cancelled order ${id} will be restored in the background`,
      );
    }
    return toOrderDto(result.order);
  }

  private replay(order: Order, storedHash: string | null, requestHash: string): PlaceOutcome {
    if (storedHash && storedHash !== requestHash) {
      throw new ApiError(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        `This Idempotency-Key was used for a different order (${order.id}); use a new key for a new order`,
      );
    }
    return { order: toOrderDto(order), created: false, failure: failureOf(order) };
  }
}
