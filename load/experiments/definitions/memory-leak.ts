import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** memory_leak: retained heap grows to a cap; the service must stay correct while GC works harder. */
export default defineExperiment((ctx) => {
  const mbPerS = ctx.param('mb_per_s', 20);
  const menus = range(6, 10);
  return {
    name: 'memory-leak',
    title: `Memory leak: the order service retains ${mbPerS} MB/s of heap up to 200 MB`,
    description:
      'POST /chaos/memory_leak on the order service: heap and RSS climb on the service dashboard ' +
      '(nodejs_heap_size_used_bytes, process_resident_memory_bytes) and major GCs get longer ' +
      '(nodejs_gc_duration_seconds) until max_mb; on reset everything is released. Below the container limit ' +
      'graceful degradation means no errors and a modest latency cost; near it the OOM killer ends the process ' +
      'and the supervisor or Kubernetes restarts it (cap: CHAOS_MAX_LEAK_MB).',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: { streams: [{ name: 'orders', rate: ctx.param('rate', 8), work: { type: 'order', menus } }] },
    hypothesis: {
      title: 'a growing heap below the limit costs latency, never correctness',
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
        name: `order memory_leak ${mbPerS} MB/s`,
        fault: {
          kind: 'chaos',
          service: 'order',
          knob: 'memory_leak',
          body: { mb_per_s: mbPerS, max_mb: 200 },
        },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
});
