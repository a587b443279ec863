import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** Spec scenario 4: the Redis caches (menus 10 s / 30 s, orders 5 min), and what writes do to them. */
export default defineExperiment((ctx) => {
  const menus = range(1, 5);
  return {
    name: 'caching',
    specScenario: 4,
    title:
      'Spec scenario 4: cache effectiveness of GET /menus, /menus/{id} and /orders/{id}, with writes invalidating',
    description:
      'Reads of the menus and of a pool of orders (each read once before the run: the spec’s "first call misses, ' +
      'second hits"). During the method, orders on the same menus change their stock, which drops the cached ' +
      'entries: the hit ratio dips but reads stay fast and correct, and it recovers once the writes stop.',
    setup: { users: 6, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        { name: 'menu-reads', rate: ctx.param('rate', 20), work: { type: 'read-menus', menus } },
        { name: 'order-reads', rate: 10, work: { type: 'read-order', pool: 10, menus: range(8, 10) } },
        { name: 'writes', rate: { during: 4 }, work: { type: 'order', menus } },
      ],
    },
    hypothesis: {
      title: 'reads are served from Redis, fast, and writes only dent the hit ratio',
      probes: [
        {
          name: 'GET /menus hit ratio',
          type: 'outcome-share',
          op: OP.menus,
          outcomes: ['HIT'],
          min: { before: 0.8, during: 0.3, after: 0.8 },
        },
        {
          name: 'GET /menus/:id hit ratio',
          type: 'outcome-share',
          op: OP.menu,
          outcomes: ['HIT'],
          min: { before: 0.6, after: 0.6 },
        },
        {
          name: 'GET /orders/:id hit ratio',
          type: 'outcome-share',
          op: OP.readOrder,
          outcomes: ['HIT'],
          min: 0.9,
        },
        { name: 'cache hits p99', type: 'latency', op: OP.menus, outcome: 'HIT', percentile: 99, maxMs: 300 },
        { name: 'GET /orders/:id p99', type: 'latency', op: OP.readOrder, percentile: 99, maxMs: 500 },
        { name: 'reads answer 200', type: 'status-share', op: OP.menus, statuses: [200], min: 1 },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [],
  };
});
