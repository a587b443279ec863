import { ApiError } from '@food-delivery/http';
import type { DependencyFailure } from '@food-delivery/http-client';
import { RESTAURANT_SERVICE } from '../downstream/downstreams';
import type { FailureReason, OrderStatus } from './order.entity';

/** How a saga that did not confirm the order is answered: the common error shape, plus the order. */
export interface SagaFailure {
  status: number;
  code: string;
  message: string;
  details?: string[];
  dependency?: string;
  headers?: Record<string, string>;
}

/**
 * Failures answered like a confirmation: 201 (200 on a replay) with the order, FAILED, whose `failure_reason` and
 * `payment_status` say why — as the original service answered a declined payment, and as its clients expect (the
 * spec's scenario 1 counts failures from the body of a 201). These are the order's own outcomes: it was recorded
 * and the system worked. A dependency that failed keeps its 5xx (with the order): monitoring, retries and
 * Retry-After depend on it. An unknown menu keeps 404: the original refused it before recording anything.
 */
const ANSWERED_WITH_THE_ORDER: ReadonlySet<FailureReason | null> = new Set<FailureReason>([
  'PAYMENT_FAILED',
  'OUT_OF_STOCK',
]);

/** True when an order that failed for `reason` is answered 201 with the order rather than with an error. */
export function answeredWithTheOrder(reason: FailureReason | null): boolean {
  return ANSWERED_WITH_THE_ORDER.has(reason);
}

/**
 * The error answer an order in its current state deserves, e.g. for a replay of its Idempotency-Key or when
 * another actor decided its fate first. Null: answer with the order itself (confirmed, still pending, or failed
 * for a reason answered with the order).
 */
export function failureOf(order: {
  id: number;
  status: OrderStatus;
  failureReason: FailureReason | null;
}): SagaFailure | null {
  if (order.status === 'CANCELLED') {
    return { status: 409, code: 'ORDER_CANCELLED', message: `Order ${order.id} was cancelled` };
  }
  if (order.status !== 'FAILED' || answeredWithTheOrder(order.failureReason)) return null;
  const id = order.id;
  switch (order.failureReason) {
    case 'PAYMENT_FAILED':
    case 'OUT_OF_STOCK':
      return null;
    case 'MENU_NOT_FOUND':
      return { status: 404, code: 'MENU_NOT_FOUND', message: `Order ${id} failed: a menu does not exist` };
    case 'RESERVATION_TIMEOUT':
      return {
        status: 504,
        code: 'DEPENDENCY_TIMEOUT',
        message: `Order ${id} failed: ${RESTAURANT_SERVICE} did not answer the reservation in time`,
        dependency: RESTAURANT_SERVICE,
      };
    case 'RESTAURANT_UNAVAILABLE':
      return {
        status: 503,
        code: 'DEPENDENCY_UNAVAILABLE',
        message: `Order ${id} failed: ${RESTAURANT_SERVICE} was unavailable`,
        dependency: RESTAURANT_SERVICE,
        headers: { 'retry-after': '5' },
      };
    case 'RESTAURANT_ERROR':
    case 'RESERVATION_REJECTED':
      return {
        status: 502,
        code: 'DEPENDENCY_ERROR',
        message: `Order ${id} failed: ${RESTAURANT_SERVICE} could not reserve the stock`,
        dependency: RESTAURANT_SERVICE,
      };
    case 'SAGA_INTERRUPTED':
    case null:
      return {
        status: 503,
        code: 'ORDER_INTERRUPTED',
        message: `Order ${id} failed: placing it was interrupted; nothing was charged and its stock was released`,
        headers: { 'retry-after': '1' },
      };
  }
}

export const orderNotFound = (id: number) =>
  new ApiError(404, 'ORDER_NOT_FOUND', `Order ${id} does not exist`);

/**
 * Why an order failed when its reservation call failed for good (after the client's retries): the outcome at the
 * restaurant is unknown, so the order is FAILED and its reservation released (which also refuses a late one).
 */
export function reservationFailureReason(failure: DependencyFailure): FailureReason {
  switch (failure) {
    case 'timeout':
      return 'RESERVATION_TIMEOUT';
    case 'server_error':
      return 'RESTAURANT_ERROR';
    case 'circuit_open':
    case 'unreachable':
      return 'RESTAURANT_UNAVAILABLE';
  }
}
