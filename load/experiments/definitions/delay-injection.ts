import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** Spec scenario 6: the user service gets slow; orders must fail fast and cleanly, never hang, never leak. */
export default defineExperiment((ctx) => {
  const delay = ctx.param('delay_ms', 2000);
  const menus = range(16, 20);
  return {
    name: 'delay-injection',
    specScenario: 6,
    title: `Spec scenario 6: ${delay} ms delay on every user-service call while orders keep coming`,
    description:
      'The spec’s POST /chaos/delay on the user service. The order service’s 2 s validate timeout (3 attempts) ' +
      'turns each order into a clean 504 naming the user service, and its circuit breaker then answers 503 at once ' +
      'instead of waiting: no order hangs, nothing is recorded for them, nothing leaks. After the rollback the ' +
      'breaker closes again within its half-open delay (the recovery grace) and orders are confirmed again.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    // The fault must outlast the retry budget (3 attempts × 2 s + backoff) to show, even in a shortened run.
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 8, minDuringS: 9 },
    load: { streams: [{ name: 'orders', rate: ctx.param('rate', 10), work: { type: 'order', menus } }] },
    hypothesis: {
      title: 'a slow dependency makes orders fail fast and cleanly, and the system recovers',
      probes: [
        {
          name: 'orders confirmed',
          type: 'status-share',
          op: OP.order,
          statuses: [201],
          min: { before: 0.99, after: 0.99 },
        },
        {
          name: 'slow dependency → clean 503/504',
          type: 'status-share',
          op: OP.order,
          statuses: [503, 504],
          min: { during: 0.8 },
        },
        {
          name: 'clean answers only (201, 503, 504)',
          type: 'status-share',
          op: OP.order,
          statuses: [201, 503, 504],
          min: 1,
        },
        { name: 'no order hangs', type: 'latency', op: OP.order, percentile: 100, maxMs: { during: 10_000 } },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 1500, after: 1500 },
        },
        { name: 'every arrival answered', type: 'throughput', minShare: 1 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: `user-service delay ${delay} ms`,
        fault: { kind: 'chaos', service: 'user', knob: 'delay', body: { delay_ms: delay } },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'user' }],
  };
});
