import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** cpu: a busy neighbour inside the order process. */
export default defineExperiment((ctx) => {
  const loadPercent = ctx.param('load_percent', 60);
  const menus = range(1, 5);
  return {
    name: 'cpu-saturation',
    title: `CPU saturation: the order service burns ${loadPercent}% of a core off its event loop`,
    description:
      'POST /chaos/cpu on the order service: a worker thread burns that share of a core (process CPU rises on ' +
      'the service dashboard, as with a noisy neighbour or a runaway background job) while the event loop stays ' +
      'free. Graceful degradation means requests keep succeeding and only get somewhat slower, in proportion to ' +
      'how contended the cores are; nothing times out. The fault has a default TTL (CHAOS_DESTRUCTIVE_TTL_S) and ' +
      'a cap (CHAOS_MAX_CPU_PERCENT). Seen in process_cpu_seconds_total, the “Chaos” dashboard and the ' +
      '“chaos: burning” log line.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: { streams: [{ name: 'orders', rate: ctx.param('rate', 6), work: { type: 'order', menus } }] },
    hypothesis: {
      title: 'the service stays correct and responsive while a core is busy',
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
        name: `order cpu ${loadPercent}%`,
        fault: { kind: 'chaos', service: 'order', knob: 'cpu', body: { load_percent: loadPercent } },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
});
