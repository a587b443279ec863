import { Test } from '@nestjs/testing';
import { DependencyError, type DependencyFailure } from '@food-delivery/http-client';
import { expect } from 'expect';
import { beforeEach, describe, it } from 'node:test';
import type { CallContext } from '../downstream/call-context';
import { RestaurantServiceClient, type ReserveResult } from '../downstream/restaurant-service.client';
import { OrderEnv } from '../order.env';
import { OrderStore, type PricedItem } from '../orders/order-store.service';
import type { FailureReason, Order, OrderStatus } from '../orders/order.entity';
import { PaymentService } from '../payments/payment.service';
import { OrderSaga } from './order-saga.service';
import { SagaWorker } from './saga-worker.service';

/**
 * The saga's decisions with its collaborators stubbed (Nest's testing module, no database, no HTTP): what each
 * reservation and payment outcome does to the order, which compensation it queues, and how the client is answered.
 * The same paths run end to end against real services in test/order-flow and test/order-faults.
 */
const PRICED: PricedItem[] = [{ menu_id: 3, name: 'Bibimbap', unit_price: 9000 }];
const CONTEXT: CallContext = { requestId: 'req-1' };

function pendingOrder(): Order {
  return {
    id: 42,
    userId: 7,
    status: 'PENDING',
    failureReason: null,
    total: null,
    address: 'Street 1',
    phone: '010-1234-5678',
    idempotencyKey: null,
    version: 1,
    createdAt: new Date('2026-12-07T00:00:00Z'),
    updatedAt: new Date('2026-12-07T00:00:00Z'),
    items: [{ id: 1, orderId: 42, menuId: 3, name: null, quantity: 2, unitPrice: null }],
  } as unknown as Order;
}

interface Transition {
  orderId: number;
  from: OrderStatus[];
  to: OrderStatus;
  options: { reason?: FailureReason; priced?: PricedItem[]; task?: { action: string; leaseMs: number } };
}

describe('OrderSaga (stubbed collaborators)', () => {
  let saga: OrderSaga;
  let reserve: () => Promise<ReserveResult>;
  let paid: boolean;
  let transitions: Transition[];
  let inline: string[];
  let wakes: number;
  /** What the store answers to a transition: the order in its new state, or null (another actor decided). */
  let transitionWins: boolean;

  beforeEach(async () => {
    reserve = () => Promise.resolve({ kind: 'reserved', reservation: { items: PRICED } as never });
    paid = true;
    transitions = [];
    inline = [];
    wakes = 0;
    transitionWins = true;
    const store: Partial<OrderStore> = {
      transition: (orderId, from, to, options = {}) => {
        transitions.push({ orderId, from, to, options } as Transition);
        return Promise.resolve(
          transitionWins ? { ...pendingOrder(), status: to, failureReason: options.reason ?? null } : null,
        );
      },
      findById: () => Promise.resolve({ ...pendingOrder(), status: 'CANCELLED' }),
    };
    const module = await Test.createTestingModule({
      providers: [
        OrderSaga,
        { provide: OrderStore, useValue: store },
        { provide: RestaurantServiceClient, useValue: { reserve: () => reserve() } },
        { provide: PaymentService, useValue: { charge: () => paid } },
        {
          provide: SagaWorker,
          useValue: {
            leaseMs: 5000,
            wake: () => void wakes++,
            runInline: (id: number, action: string) => {
              inline.push(`${action} ${id}`);
              return Promise.resolve();
            },
          },
        },
        { provide: OrderEnv, useValue: { SAGA_PAUSE_BEFORE_PAYMENT_MS: 0 } },
      ],
    }).compile();
    saga = module.get(OrderSaga);
  });

  it('reserved and paid: CONFIRMED with a commit task for the worker, answered with the order', async () => {
    const outcome = await saga.run(pendingOrder(), CONTEXT);
    expect(transitions).toEqual([
      {
        orderId: 42,
        from: ['PENDING'],
        to: 'CONFIRMED',
        options: { task: { action: 'commit', leaseMs: 0 }, priced: PRICED },
      },
    ]);
    expect([outcome.order.status, outcome.created, outcome.failure]).toEqual(['CONFIRMED', true, null]);
    expect([wakes, inline]).toEqual([1, []]);
  });

  it('payment declined: FAILED, the release runs before the answer, 201 with the order', async () => {
    paid = false;
    const outcome = await saga.run(pendingOrder(), CONTEXT);
    expect(transitions.map((t) => [t.to, t.options.reason, t.options.task])).toEqual([
      ['FAILED', 'PAYMENT_FAILED', { action: 'release', leaseMs: 5000 }],
    ]);
    expect(inline).toEqual(['release 42']);
    expect([outcome.order.status, outcome.order.failure_reason, outcome.failure]).toEqual([
      'FAILED',
      'PAYMENT_FAILED',
      null,
    ]);
  });

  it('out of stock: FAILED, release left to the worker, 201 with the order', async () => {
    reserve = () => Promise.resolve({ kind: 'out_of_stock', message: 'menu 3: 1 left', details: ['menu 3'] });
    const outcome = await saga.run(pendingOrder(), CONTEXT);
    expect(transitions.map((t) => [t.to, t.options.reason, t.options.task])).toEqual([
      ['FAILED', 'OUT_OF_STOCK', { action: 'release', leaseMs: 0 }],
    ]);
    expect([inline, wakes, outcome.failure]).toEqual([[], 1, null]);
  });

  it('unknown menu and a refused reservation: FAILED and answered 404 / 502', async () => {
    reserve = () => Promise.resolve({ kind: 'menu_not_found', message: 'menu 99 does not exist' });
    expect((await saga.run(pendingOrder(), CONTEXT)).failure).toMatchObject({
      status: 404,
      code: 'MENU_NOT_FOUND',
    });
    reserve = () =>
      Promise.resolve({ kind: 'rejected', status: 409, code: 'RESERVATION_RELEASED', message: 'released' });
    expect((await saga.run(pendingOrder(), CONTEXT)).failure).toMatchObject({
      status: 502,
      code: 'DEPENDENCY_ERROR',
      dependency: 'restaurant-service',
    });
    expect(transitions.map((t) => t.options.reason)).toEqual(['MENU_NOT_FOUND', 'RESERVATION_REJECTED']);
  });

  it('the restaurant failing for good: FAILED with the reason of the failure, its 5xx kept, 503 with Retry-After', async () => {
    const cases: [DependencyFailure, FailureReason, number][] = [
      ['timeout', 'RESERVATION_TIMEOUT', 504],
      ['server_error', 'RESTAURANT_ERROR', 502],
      ['unreachable', 'RESTAURANT_UNAVAILABLE', 503],
      ['circuit_open', 'RESTAURANT_UNAVAILABLE', 503],
    ];
    for (const [failure, reason, status] of cases) {
      transitions = [];
      reserve = () => Promise.reject(new DependencyError('restaurant-service', failure));
      const outcome = await saga.run(pendingOrder(), CONTEXT);
      expect([failure, transitions[0]?.options.reason, outcome.failure?.status]).toEqual([
        failure,
        reason,
        status,
      ]);
      if (status === 503) expect(outcome.failure?.headers?.['retry-after']).toBe('1');
    }
  });

  it('any other error leaves the order PENDING for the recovery loop (nothing decided here)', async () => {
    reserve = () => Promise.reject(new Error('a bug'));
    await expect(saga.run(pendingOrder(), CONTEXT)).rejects.toThrow('a bug');
    expect(transitions).toEqual([]);
  });

  it('another actor decided first (a cancel): answered with what it decided', async () => {
    transitionWins = false;
    const outcome = await saga.run(pendingOrder(), CONTEXT);
    expect(outcome.order.status).toBe('CANCELLED');
    expect(outcome.failure).toMatchObject({ status: 409, code: 'ORDER_CANCELLED' });
    expect(inline).toEqual([]);
  });
});
