import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** Redis goes away (the stack's TCP proxy cuts every connection) and comes back. Redis is a cache here. */
export default defineExperiment(() => {
  const menus = range(1, 5);
  // Orders on other menus: every stock change drops the cached menu list, but not the entries of these menus.
  const ordered = range(11, 15);
  return {
    name: 'redis-outage',
    title: 'Redis outage: every connection to Redis is cut for a while, then Redis is back',
    description:
      'Redis holds caches, idempotency shortcuts and the shared chaos state, never the truth. While it is down, ' +
      'orders and reads must keep working from Postgres (X-Cache: MISS), readiness stays green ' +
      '(REDIS_REQUIRED=false for restaurant and order), latency stays bounded; once it is back, the services ' +
      'reconnect by themselves and the caches fill again. Needs --start-stack (the TCP proxy in front of Redis).',
    requiresStack: true,
    setup: { users: 6, stock: [{ menus: ordered, stock: 100_000 }] },
    phases: { before: 10, during: 16, after: 10, recoveryGraceS: 4 },
    load: {
      streams: [
        { name: 'orders', rate: 8, work: { type: 'order', menus: ordered } },
        { name: 'menu-reads', rate: 10, work: { type: 'read-menus', menus } },
        { name: 'order-reads', rate: 5, work: { type: 'read-order', pool: 10, menus: range(6, 8) } },
      ],
    },
    hypothesis: {
      title: 'without Redis the system is slower to read but fully correct, and it recovers by itself',
      probes: [
        { name: 'orders confirmed', type: 'status-share', op: OP.order, statuses: [201], min: 0.98 },
        { name: 'menus answer 200', type: 'status-share', op: OP.menus, statuses: [200], min: 0.99 },
        { name: 'orders readable', type: 'status-share', op: OP.readOrder, statuses: [200], min: 0.99 },
        {
          name: 'menus served from Postgres during the outage',
          type: 'outcome-share',
          op: OP.menu,
          outcomes: ['MISS'],
          min: { during: 0.4 },
        },
        {
          name: 'menu cache works before and after',
          type: 'outcome-share',
          op: OP.menu,
          outcomes: ['HIT'],
          min: { before: 0.7, after: 0.7 },
        },
        {
          name: 'order cache works before and after',
          type: 'outcome-share',
          op: OP.readOrder,
          outcomes: ['HIT'],
          min: { before: 0.8, after: 0.7 },
        },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 1500, during: 2500, after: 1500 },
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.02 },
        {
          name: 'order service ready without Redis',
          type: 'http',
          service: 'order',
          path: '/health/ready',
          expectStatus: 200,
        },
        {
          name: 'restaurant service ready without Redis',
          type: 'http',
          service: 'restaurant',
          path: '/health/ready',
          expectStatus: 200,
        },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [{ at: 2, duration: 12, name: 'Redis down', fault: { kind: 'stop', target: 'redis' } }],
    rollbacks: [{ kind: 'start', target: 'redis' }],
  };
});
