import { Injectable, Logger } from '@nestjs/common';
import { DependencyError } from '@food-delivery/http-client';
import { setSpanAttributes } from '@food-delivery/observability';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallContext } from '../downstream/call-context';
import { RestaurantServiceClient, type ReserveResult } from '../downstream/restaurant-service.client';
import { OrderEnv } from '../order.env';
import type { OrderDto } from '../orders/dto/order.dto';
import {
  answeredWithTheOrder,
  failureOf,
  orderNotFound,
  reservationFailureReason,
  type SagaFailure,
} from '../orders/order-failures';
import { OrderStore, toOrderDto, type PricedItem } from '../orders/order-store.service';
import type { FailureReason, Order } from '../orders/order.entity';
import { PaymentService } from '../payments/payment.service';
import { SagaWorker } from './saga-worker.service';

/** What placing an order came to. */
export interface PlaceOutcome {
  order: OrderDto;
  /** False when an Idempotency-Key matched an order placed before (nothing new was done). */
  created: boolean;
  /** Set when the order is not confirmed: how to answer. */
  failure: SagaFailure | null;
}

/**
 * The order saga, in one place with its outbox worker (saga-worker.service.ts: commits, releases and cancels sent
 * to the restaurant, retried until confirmed) and its recovery loop (recovery.service.ts: orders left PENDING by a
 * dead replica). Steps and their compensations:
 *   1. validate the user (user service)                 — nothing to undo
 *   2. record the order PENDING                         — recovery settles it if we die from here on
 *   3. reserve every item (restaurant, keyed by order)  — release (outbox task) unless confirmed
 *   4. pay (simulated; the payment_fail chaos knob)     — failure: FAILED + release
 *   5. CONFIRMED + commit task in one transaction   — the background worker sends the commit, batched
 * Each status change is conditional on the order still being PENDING, so the saga, a concurrent cancel and the
 * recovery loop cannot both decide.
 */
@Injectable()
export class OrderSaga {
  private readonly logger = new Logger(OrderSaga.name);

  constructor(
    private readonly store: OrderStore,
    private readonly restaurant: RestaurantServiceClient,
    private readonly payments: PaymentService,
    private readonly worker: SagaWorker,
    private readonly env: OrderEnv,
  ) {}

  /** Steps 3-5 for an order recorded PENDING (steps 1-2 are OrdersService.place). */
  async run(order: Order, context: CallContext): Promise<PlaceOutcome> {
    const items = (order.items ?? []).map((item) => ({ menu_id: item.menuId, quantity: item.quantity }));

    let reserved: ReserveResult;
    try {
      reserved = await this.restaurant.reserve(order.id, order.userId, items, context);
    } catch (error) {
      if (!(error instanceof DependencyError)) throw error; // stays PENDING: the recovery loop settles it
      // The reservation's outcome is unknown (it may still land): fail the order and release it, which also
      // tombstones the order id so a late reservation is refused.
      const reason = reservationFailureReason(error.failure);
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
