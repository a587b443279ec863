import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** gc_pressure: allocation churn; the collector competes with the requests for the main thread. */
export default defineExperiment((ctx) => {
  const mbPerS = ctx.param('alloc_mb_per_s', 200);
  const menus = range(6, 10);
  return {
    name: 'gc-pressure',
    title: `GC pressure: the order service churns ${mbPerS} MB/s of short-lived garbage`,
    description:
      'POST /chaos/gc_pressure on the order service: arrays that live 200 ms pile up and die, so the collector ' +
      'runs dozens of times a second (nodejs_gc_duration_seconds on the service dashboard) and takes main-thread ' +
      'time from the requests. Graceful degradation: no errors, a modest latency cost.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: { streams: [{ name: 'orders', rate: ctx.param('rate', 8), work: { type: 'order', menus } }] },
    hypothesis: {
      title: 'GC churn costs latency, never correctness',
      probes: [
        { name: 'orders confirmed', type: 'status-share', op: OP.order, statuses: [201], min: 0.99 },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 1500, during: 2500, after: 1500 },
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: `order gc_pressure ${mbPerS} MB/s`,
        fault: { kind: 'chaos', service: 'order', knob: 'gc_pressure', body: { alloc_mb_per_s: mbPerS } },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
});
