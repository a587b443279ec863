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
 * The answer an order in its current state deserves when it was not (or not yet) confirmed, e.g. for a replay
 * of its Idempotency-Key or when another actor decided its fate first. Null: nothing to report (confirmed or
 * still pending).
 */
export function failureOf(order: {
  id: number;
  status: OrderStatus;
  failureReason: FailureReason | null;
}): SagaFailure | null {
  if (order.status === 'CANCELLED') {
    return { status: 409, code: 'ORDER_CANCELLED', message: `Order ${order.id} was cancelled` };
  }
  if (order.status !== 'FAILED') return null;
  const id = order.id;
  switch (order.failureReason) {
    case 'PAYMENT_FAILED':
      return {
        status: 402,
        code: 'PAYMENT_FAILED',
        message: `Payment for order ${id} failed; the reserved stock was given back`,
      };
    case 'OUT_OF_STOCK':
      return { status: 409, code: 'OUT_OF_STOCK', message: `Order ${id} failed: not enough stock` };
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
