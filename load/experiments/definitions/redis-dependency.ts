import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** The dependency knob's `redis` target: a Redis that stops answering the order service's cache reads. */
export default defineExperiment((ctx) => {
  const menus = range(11, 15);
  return {
    name: 'redis-dependency',
    title: "Redis dependency timeout: the order service's cache reads get no answer from Redis",
    description:
      'POST /chaos/dependency {"target": "redis", "mode": "timeout"} on the order service: each cache read of ' +
      'GET /orders/{id} waits for the 1 s Redis command timeout, as with a hung Redis (Toxiproxy-style; the ' +
      'chaos state, which also lives in Redis, is not affected). Graceful degradation: the cache is optional, ' +
      'so reads fall back to Postgres and stay correct, and after one failed read the cache is skipped for a ' +
      'second (RedisService.readable), so only about one read per second pays the timeout: the median stays ' +
      'low, the tail is bounded by the timeout. Orders, which need no cache read, are not affected. Seen in ' +
      'cache_requests_total{cache="order",result="bypass"}, the "Order cache read failed" debug lines, ' +
      'chaos_injections_total{type="dependency"} and the “Chaos” dashboard. redis-outage cuts Redis for real.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        { name: 'order-reads', rate: ctx.param('rate', 10), work: { type: 'read-order', pool: 10, menus } },
        { name: 'orders', rate: 4, work: { type: 'order', menus } },
      ],
    },
    hypothesis: {
      title:
        'reads stay correct, only about one per second pays the Redis timeout, and orders are unaffected',
      probes: [
        { name: 'order reads answer 200', type: 'status-share', op: OP.readOrder, statuses: [200], min: 1 },
        {
          name: 'order reads: median stays low (backoff), tail bounded by the 1 s command timeout',
          type: 'latency',
          op: OP.readOrder,
          percentile: 50,
          maxMs: 300,
        },
        {
          name: 'order read p99',
          type: 'latency',
          op: OP.readOrder,
          percentile: 99,
          maxMs: { during: 1800, before: 500, after: 500 },
        },
        {
          name: 'order read hit ratio: back after the fault',
          type: 'outcome-share',
          op: OP.readOrder,
          outcomes: ['HIT'],
          min: { before: 0.9, after: 0.8 },
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
        name: 'order → redis: no answer',
        fault: {
          kind: 'chaos',
          service: 'order',
          knob: 'dependency',
          body: { target: 'redis', mode: 'timeout' },
        },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
});
