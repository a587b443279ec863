import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** delay with match: only orders of one menu (one product) are slow. */
export default defineExperiment((ctx) => {
  const latencyMs = ctx.param('latency_ms', 600);
  const hot = 16;
  const others = range(17, 20);
  return {
    name: 'targeted-delay',
    title: `Targeted delay: +${latencyMs} ms on the orders of menu ${hot} only`,
    description:
      `POST /chaos/delay {"delay_ms": ${latencyMs}, "match": {"menu_id": [${hot}]}} on the order service: the ` +
      'requests about that one product (decided from the order body before the handler runs) wait, everyone ' +
      'else is served as usual, as in a real incident that hits one product or one customer. Graceful ' +
      'degradation means isolation: the slow requests hold no lock or pool slot the others need, so the other ' +
      'menus keep their latency, and nothing fails. Seen as x-chaos-injected: delay on those responses, the ' +
      'chaos.injected span event, the "delayed POST /orders" log lines and chaos_injections_total{type="delay"}.',
    setup: { users: 8, stock: [{ menus: [hot, ...others], stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        { name: 'hot-menu', rate: 3, work: { type: 'order', menus: [hot] } },
        { name: 'other-menus', rate: ctx.param('rate', 6), work: { type: 'order', menus: others } },
      ],
    },
    hypothesis: {
      title: 'only the matched menu pays the delay; the other menus keep their latency and nothing fails',
      probes: [
        {
          name: `orders of menu ${hot} pay the delay (median), only during the fault`,
          type: 'latency',
          stream: 'hot-menu',
          op: OP.order,
          percentile: 50,
          minMs: { during: latencyMs },
          maxMs: { before: 1000, after: 1000 },
        },
        {
          name: 'orders of the other menus are not slowed down',
          type: 'latency',
          stream: 'other-menus',
          op: OP.order,
          percentile: 95,
          maxMs: Math.max(500, latencyMs - 100),
        },
        { name: 'orders confirmed', type: 'status-share', op: OP.order, statuses: [201], min: 0.99 },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: `order delay +${latencyMs} ms on menu ${hot}`,
        fault: {
          kind: 'chaos',
          service: 'order',
          knob: 'delay',
          body: { delay_ms: latencyMs, match: { menu_id: [hot] } },
        },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
});
