import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** cache_failure bypass on the restaurant's menu caches: every read goes to Postgres. */
export default defineExperiment((ctx) => {
  const menus = range(1, 5);
  return {
    name: 'cache-failure',
    title: 'Cache failure: every menu read misses the cache (bypass) and is served from Postgres',
    description:
      'POST /chaos/cache_failure {"mode": "bypass"} on the restaurant service: GET /menus and GET /menus/{id} ' +
      'miss every time (X-Cache: MISS) and read Postgres. Graceful degradation means the cache is an ' +
      'optimisation, not a dependency: answers stay correct and complete, latency rises a little at this rate ' +
      'and nothing fails; once the fault ends the caches fill again and the hit ratio recovers. Seen in ' +
      'cache_requests_total{result="miss"} and the hit-ratio panel of the service dashboard, the database ' +
      'query rate, chaos_injections_total{type="cache_failure"} and the "read bypassed" log lines. The other ' +
      'modes: `stale` (a stock change is not invalidated: the old stock keeps being served while it lasts) and ' +
      '`slow` (each cache read waits latency_ms).',
    setup: { users: 6, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        { name: 'menu-reads', rate: ctx.param('rate', 20), work: { type: 'read-menus', menus } },
        { name: 'orders', rate: 3, work: { type: 'order', menus } },
      ],
    },
    hypothesis: {
      title: 'menu reads stay correct and fast enough without the cache, and the hit ratio recovers after',
      probes: [
        {
          name: 'GET /menus hit ratio: none during the fault, back after',
          type: 'outcome-share',
          op: OP.menus,
          outcomes: ['HIT'],
          min: { before: 0.6, after: 0.6 },
          max: { during: 0.05 },
        },
        {
          name: 'GET /menus/:id hit ratio: none during the fault',
          type: 'outcome-share',
          op: OP.menu,
          outcomes: ['HIT'],
          max: { during: 0.05 },
        },
        { name: 'reads answer 200', type: 'status-share', op: OP.menus, statuses: [200], min: 1 },
        { name: 'single reads answer 200', type: 'status-share', op: OP.menu, statuses: [200], min: 1 },
        { name: 'menu read p99', type: 'latency', op: OP.menus, percentile: 99, maxMs: 500 },
        { name: 'orders confirmed', type: 'status-share', op: OP.order, statuses: [201], min: 0.99 },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: 'restaurant menu caches bypassed',
        fault: { kind: 'chaos', service: 'restaurant', knob: 'cache_failure', body: { mode: 'bypass' } },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'restaurant' }],
  };
});
