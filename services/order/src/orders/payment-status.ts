import type { FailureReason, OrderStatus } from './order.entity';

/** The original service's `payment_status` values. */
export const PAYMENT_STATUSES = ['pending', 'completed', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * What became of an order's payment, as the original service reported it: `completed` once paid, `failed` when the
 * payment was declined, `pending` when it was never attempted (still placing, or failed before paying). Derived,
 * not stored: only confirming prices an order that did not fail, so a CANCELLED order with a total was paid before
 * it was cancelled (the original, too, left a cancelled order's payment `completed`).
 */
export function paymentStatusOf(order: {
  status: OrderStatus;
  failureReason: FailureReason | null;
  total: number | null;
}): PaymentStatus {
  switch (order.status) {
    case 'CONFIRMED':
      return 'completed';
    case 'FAILED':
      return order.failureReason === 'PAYMENT_FAILED' ? 'failed' : 'pending';
    case 'CANCELLED':
      return order.total === null ? 'pending' : 'completed';
    case 'PENDING':
      return 'pending';
  }
}
