import { expect } from 'expect';
import { describe, it } from 'node:test';
import { FAILURE_REASONS } from './order.entity';
import { paymentStatusOf } from './payment-status';

describe('paymentStatusOf', () => {
  it('is completed for a confirmed order and pending while placing', () => {
    expect(paymentStatusOf({ status: 'CONFIRMED', failureReason: null, total: 18000 })).toBe('completed');
    expect(paymentStatusOf({ status: 'PENDING', failureReason: null, total: null })).toBe('pending');
  });

  it('is failed only for a declined payment; other failures never reached the payment', () => {
    for (const reason of FAILURE_REASONS) {
      const expected = reason === 'PAYMENT_FAILED' ? 'failed' : 'pending';
      expect([reason, paymentStatusOf({ status: 'FAILED', failureReason: reason, total: 9000 })]).toEqual([
        reason,
        expected,
      ]);
    }
  });

  it('keeps a cancelled order completed when it had been paid (priced), pending when it never was', () => {
    expect(paymentStatusOf({ status: 'CANCELLED', failureReason: null, total: 18000 })).toBe('completed');
    expect(paymentStatusOf({ status: 'CANCELLED', failureReason: null, total: null })).toBe('pending');
  });
});
