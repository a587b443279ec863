import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '@food-delivery/auth';
import { ApiError } from '@food-delivery/http';
import { setSpanAttributes } from '@food-delivery/observability';
import { DependencyError } from '@food-delivery/http-client';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallContext } from '../downstream/call-context';
import { RestaurantServiceClient, type ReserveResult } from '../downstream/restaurant-service.client';
import { UserServiceClient } from '../downstream/user-service.client';
import { ordersTotal, sagaDuration } from '../metrics';
import { OrderEnv } from '../order.env';
import { PaymentService } from '../payments/payment.service';
import { SagaWorker } from '../saga/saga-worker.service';
import type { CreateOrderDto } from './dto/create-order.dto';
import type { OrderDto, OrderPageDto } from './dto/order.dto';
import { AccountStatus } from './account-status.service';
import { OrderCache } from './order-cache.service';
import { answeredWithTheOrder, failureOf, type SagaFailure } from './order-failures';
import { OrderStore, toOrderDto, type PricedItem } from './order-store.service';
import type { FailureReason, Order } from './order.entity';

/** What placing an order came to. */
export interface PlaceOutcome {
  order: OrderDto;
  /** False when an Idempotency-Key matched an order placed before (nothing new was done). */
  created: boolean;
  /** Set when the order is not confirmed: how to answer. */
  failure: SagaFailure | null;
}

export interface RequestMeta {
  requestId?: string;
  idempotencyKey?: string;
}

const orderNotFound = (id: number) => new ApiError(404, 'ORDER_NOT_FOUND', `Order ${id} does not exist`);

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
 * The order saga. Steps and their compensations:
 *   1. validate the user (user service)                 — nothing to undo
 *   2. record the order PENDING                         — recovery settles it if we die from here on
 *   3. reserve every item (restaurant, keyed by order)  — release (outbox task) unless confirmed
 *   4. pay (simulated; the payment_fail chaos knob)     — failure: FAILED + release
 *   5. CONFIRMED + commit task in one transaction   — the background worker sends the commit, batched
 * Each status change is conditional on the order still being PENDING, so the saga, a concurrent cancel and the
 * recovery loop cannot both decide.
 */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(
    private readonly store: OrderStore,
    private readonly cache: OrderCache,
    private readonly users: UserServiceClient,
    private readonly accounts: AccountStatus,
    private readonly restaurant: RestaurantServiceClient,
    private readonly payments: PaymentService,
    private readonly worker: SagaWorker,
    private readonly env: OrderEnv,
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

    const outcome = await this.runSaga(order, context);
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

  private async runSaga(order: Order, context: CallContext): Promise<PlaceOutcome> {
    const items = (order.items ?? []).map((item) => ({ menu_id: item.menuId, quantity: item.quantity }));

    let reserved: ReserveResult;
    try {
      reserved = await this.restaurant.reserve(order.id, order.userId, items, context);
    } catch (error) {
      if (!(error instanceof DependencyError)) throw error; // stays PENDING: the recovery loop settles it
      // The reservation's outcome is unknown (it may still land): fail the order and release it, which also
      // tombstones the order id so a late reservation is refused.
      const reason: FailureReason =
        error.failure === 'timeout'
          ? 'RESERVATION_TIMEOUT'
          : error.failure === 'server_error'
            ? 'RESTAURANT_ERROR'
            : 'RESTAURANT_UNAVAILABLE';
      return this.fail(order.id, reason, context, {
        status: error.getStatus(),
        code: error.code,
        message: `${error.message}; order ${order.id} FAILED (${reason}), any reserved stock is being released`,
        dependency: error.dependency,
        // A 503 always says when to come back (the client lib only does so for an open circuit).
        headers:
          error.getStatus() === 503 ? { 'retry-after': '1', ...error.extra.headers } : error.extra.headers,
      });
    }

    switch (reserved.kind) {
      case 'out_of_stock':
        // Answered 201 with the FAILED order (see answeredWithTheOrder); the short items go to the log.
        this.logger.log(
          { event: 'order.out_of_stock', order_id: order.id, details: reserved.details },
          `Order ${order.id}: ${reserved.message}`,
        );
        return this.fail(order.id, 'OUT_OF_STOCK', context, null);
      case 'menu_not_found':
        return this.fail(order.id, 'MENU_NOT_FOUND', context, {
          status: 404,
          code: 'MENU_NOT_FOUND',
          message: `Order ${order.id} failed: ${reserved.message}`,
        });
      case 'rejected':
        return this.fail(order.id, 'RESERVATION_REJECTED', context, {
          status: 502,
          code: 'DEPENDENCY_ERROR',
          message: `Order ${order.id} failed: the restaurant refused the reservation (${reserved.code}: ${reserved.message})`,
          dependency: 'restaurant-service',
        });
      case 'reserved':
        break;
    }

    if (this.env.SAGA_PAUSE_BEFORE_PAYMENT_MS > 0) {
      // Test hook (see OrderEnv): a window between reservation and payment to crash the process in.
      await sleep(this.env.SAGA_PAUSE_BEFORE_PAYMENT_MS);
    }

    // The restaurant's prices are stored with the outcome, in the same statement.
    const priced = reserved.reservation.items;
    const paid = this.payments.charge({
      userId: order.userId,
      menuIds: items.map((item) => item.menu_id),
    });
    setSpanAttributes({ 'payment.outcome': paid ? 'approved' : 'declined' });
    if (!paid) {
      // Answered 201 with the FAILED order, payment_status "failed" (see answeredWithTheOrder). The spec's
      // rollback: the stock is back before the client hears about the failure.
      return this.fail(order.id, 'PAYMENT_FAILED', context, null, { releaseNow: true, priced });
    }

    // The stock is already held by the reservation; committing only makes it final. The commit task is due at
    // once and the background worker sends commits to the restaurant in batches, so the client does not wait
    // for it and many orders share one call.
    const confirmed = await this.store.transition(order.id, ['PENDING'], 'CONFIRMED', {
      task: { action: 'commit', leaseMs: 0 },
      priced,
    });
    if (!confirmed) return this.current(order.id);
    this.worker.wake();
    this.logger.log(
      { event: 'order.confirmed', order_id: order.id, total_price: confirmed.total },
      `Order ${order.id} confirmed`,
    );
    return { order: toOrderDto(confirmed), created: true, failure: null };
  }

  /**
   * PENDING → FAILED with a release task. The release runs right away when the restaurant is known to be healthy
   * (payment failure); after a reservation failure it goes to the background worker, so the client's error is
   * not delayed by a restaurant that just failed us. `failure`: the error answer, null for the reasons answered
   * with the order.
   */
  private async fail(
    orderId: number,
    reason: FailureReason,
    context: CallContext,
    failure: SagaFailure | null,
    options: { releaseNow?: boolean; priced?: PricedItem[] } = {},
  ): Promise<PlaceOutcome> {
    const failed = await this.store.transition(orderId, ['PENDING'], 'FAILED', {
      reason,
      priced: options.priced,
      task: { action: 'release', leaseMs: options.releaseNow ? this.worker.leaseMs : 0 },
    });
    if (!failed) return this.current(orderId);
    this.logger.log(
      { event: 'order.failed', order_id: orderId, reason },
      `Order ${orderId} failed: ${reason}`,
    );
    if (options.releaseNow) await this.worker.runInline(orderId, 'release', context);
    else this.worker.wake();
    return {
      order: toOrderDto(failed),
      created: true,
      failure: answeredWithTheOrder(reason) ? null : failure,
    };
  }

  /** Another actor (a cancel, the recovery loop) decided first: answer with what it decided. */
  private async current(orderId: number): Promise<PlaceOutcome> {
    const order = await this.store.findById(orderId);
    if (!order) throw orderNotFound(orderId);
    return { order: toOrderDto(order), created: true, failure: failureOf(order) };
  }
}
