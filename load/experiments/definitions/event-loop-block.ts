import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** event_loop_block: synchronous work on the main thread, the latency every request on the replica pays. */
export default defineExperiment((ctx) => {
  const blockMs = ctx.param('block_ms', 150);
  const menus = range(6, 10);
  return {
    name: 'event-loop-block',
    title: `Event-loop block: the order service's main thread stalls ${blockMs} ms every 500 ms`,
    description:
      'POST /chaos/event_loop_block on the order service: like a synchronous JSON.parse of a huge body or a sync ' +
      'crypto call, the main thread spins and every request that arrives meanwhile waits. Unlike `cpu` (a busy ' +
      'worker thread) this hits tail latency directly, and health and metrics are delayed too. Expected: no ' +
      'errors, the tail (p99) grows by up to block_ms, the median barely moves. Seen in ' +
      'nodejs_eventloop_lag_p99_seconds on the service dashboard and the “chaos: blocking the event loop” log line.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: { streams: [{ name: 'orders', rate: ctx.param('rate', 8), work: { type: 'order', menus } }] },
    hypothesis: {
      title: 'requests wait out the stalls and nothing fails',
      probes: [
        { name: 'orders confirmed', type: 'status-share', op: OP.order, statuses: [201], min: 0.99 },
        {
          name: 'the tail pays the stalls during the fault',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          minMs: { during: Math.round(blockMs / 2) },
          maxMs: { before: 1500, during: 1500 + blockMs, after: 1500 },
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: `order event_loop_block ${blockMs} ms / 500 ms`,
        fault: {
          kind: 'chaos',
          service: 'order',
          knob: 'event_loop_block',
          body: { block_ms: blockMs, every_ms: 500 },
        },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
});
