import { expect } from 'expect';
import { describe, it } from 'node:test';
import { answeredWithTheOrder, failureOf, orderNotFound, reservationFailureReason } from './order-failures';
import { FAILURE_REASONS } from './order.entity';

describe('failureOf', () => {
  it('has nothing to report for confirmed or pending orders', () => {
    expect(failureOf({ id: 1, status: 'CONFIRMED', failureReason: null })).toBeNull();
    expect(failureOf({ id: 1, status: 'PENDING', failureReason: null })).toBeNull();
  });

  it('answers a declined payment and a stock shortage with the order (201, as the original service did)', () => {
    for (const reason of ['PAYMENT_FAILED', 'OUT_OF_STOCK'] as const) {
      expect([reason, answeredWithTheOrder(reason)]).toEqual([reason, true]);
      expect(failureOf({ id: 7, status: 'FAILED', failureReason: reason })).toBeNull();
    }
  });

  it('answers every other failure reason with an error status and a stable code', () => {
    const expected: Record<string, [number, string]> = {
      MENU_NOT_FOUND: [404, 'MENU_NOT_FOUND'],
      RESERVATION_TIMEOUT: [504, 'DEPENDENCY_TIMEOUT'],
      RESTAURANT_UNAVAILABLE: [503, 'DEPENDENCY_UNAVAILABLE'],
      RESTAURANT_ERROR: [502, 'DEPENDENCY_ERROR'],
      RESERVATION_REJECTED: [502, 'DEPENDENCY_ERROR'],
      SAGA_INTERRUPTED: [503, 'ORDER_INTERRUPTED'],
    };
    for (const reason of FAILURE_REASONS.filter((candidate) => !answeredWithTheOrder(candidate))) {
      const failure = failureOf({ id: 7, status: 'FAILED', failureReason: reason });
      expect(answeredWithTheOrder(reason)).toBe(false);
      expect([reason, failure?.status, failure?.code]).toEqual([reason, ...expected[reason]]);
      expect(failure?.message).toMatch(/7/);
      if (failure!.status === 503) expect(failure?.headers?.['retry-after']).toBeTruthy();
    }
  });

  it('answers a cancelled order with 409 ORDER_CANCELLED', () => {
    expect(failureOf({ id: 3, status: 'CANCELLED', failureReason: null })).toMatchObject({
      status: 409,
      code: 'ORDER_CANCELLED',
    });
  });
});

describe('reservationFailureReason', () => {
  it('names what the restaurant did when the reservation failed for good', () => {
    expect(reservationFailureReason('timeout')).toBe('RESERVATION_TIMEOUT');
    expect(reservationFailureReason('server_error')).toBe('RESTAURANT_ERROR');
    expect(reservationFailureReason('unreachable')).toBe('RESTAURANT_UNAVAILABLE');
    expect(reservationFailureReason('circuit_open')).toBe('RESTAURANT_UNAVAILABLE');
  });

  it('orderNotFound is a 404 ORDER_NOT_FOUND naming the id', () => {
    const error = orderNotFound(9);
    expect([error.getStatus(), error.code, error.message]).toEqual([
      404,
      'ORDER_NOT_FOUND',
      'Order 9 does not exist',
    ]);
  });
});
