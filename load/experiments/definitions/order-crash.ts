import { defineExperiment, type Experiment, type MethodStep, type Rollback } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** How order-2 dies (the stack's SIGKILL, or the crash knob) and how it comes back. */
export interface OrderCrash {
  name: string;
  title: string;
  description: string;
  step: MethodStep;
  rollbacks: Rollback[];
}

/** One order replica is SIGKILLed mid-saga behind the gateway, then restarted; recovery settles its orders. */
export default defineExperiment(() =>
  orderCrashExperiment({
    name: 'order-crash',
    title:
      'Order-service crash mid-flow: one of two replicas is SIGKILLed, restarted, and recovery settles everything',
    description:
      'Orders go through the gateway to two order replicas; each saga pauses 150 ms between the reservation and ' +
      'the payment (SAGA_PAUSE_BEFORE_PAYMENT_MS) so the kill lands inside sagas. The gateway answers the requests ' +
      'the dead replica held with 503 and routes around it (passive health); the other replica’s recovery loop ' +
      'drives the orders left PENDING to a final state and releases their stock; the restarted replica serves ' +
      'again. Nothing may be lost. Needs --start-stack.',
    step: {
      at: 4,
      duration: 10,
      name: 'order-2 killed (SIGKILL)',
      fault: { kind: 'kill', target: 'order-2' },
    },
    rollbacks: [{ kind: 'start', target: 'order-2' }],
  }),
);

/** What a crash of one of two order replicas (behind the gateway, mid-saga) must cost: the requests in flight. */
export function orderCrashExperiment(crash: OrderCrash): Experiment {
  const menus = range(1, 5);
  return {
    name: crash.name,
    title: crash.title,
    description: crash.description,
    requiresStack: true,
    stack: {
      gateway: true,
      orderReplicas: 2,
      env: {
        order: {
          SAGA_PAUSE_BEFORE_PAYMENT_MS: '150',
          // Longer than any live saga here (reservation 1.5 s × 2 attempts), so only abandoned orders are recovered.
          RECOVERY_PENDING_AFTER_MS: '6000',
          RESTAURANT_SERVICE_TIMEOUT_MS: '1500',
          RESTAURANT_SERVICE_RETRIES: '1',
        },
      },
    },
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 3 },
    settleTimeoutS: 60,
    load: { streams: [{ name: 'orders', rate: 12, work: { type: 'order', menus } }] },
    hypothesis: {
      title: 'a crash costs only the requests in flight, and every order it interrupted is settled',
      probes: [
        {
          name: 'orders confirmed',
          type: 'status-share',
          op: OP.order,
          statuses: [201],
          min: { before: 0.99, after: 0.99 },
        },
        {
          name: 'the crash costs little',
          type: 'error-rate',
          op: OP.order,
          max: { before: 0.01, during: 0.25, after: 0.01 },
        },
        {
          name: 'only clean answers (201, or 502/503 from the gateway)',
          type: 'status-share',
          op: OP.order,
          statuses: [201, 502, 503],
          min: 1,
        },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 2000, during: 3000, after: 2000 },
        },
        { name: 'every arrival answered', type: 'throughput', minShare: 1 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [crash.step],
    rollbacks: crash.rollbacks,
  };
}
