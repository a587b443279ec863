import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** A gray failure: one of two restaurant replicas behind the gateway gets slow, without failing. */
export default defineExperiment((ctx) => {
  const delay = ctx.param('delay_ms', 500);
  const instance = ctx.param('instance', 'restaurant-2');
  const menus = range(1, 5);
  return {
    name: 'slow-restaurant-replica',
    title: `Gray failure: restaurant replica ${instance} answers ${delay} ms late behind the gateway`,
    description:
      'An instance-targeted POST /chaos/delay slows one restaurant replica only. Nothing fails, so passive health ' +
      'never takes it out: about half the menu reads (and the reservations the order service makes through the ' +
      'gateway) get slow. The hypothesis checks that the fault really hits one replica (p75 slow, p25 fast), that ' +
      'latency stays bounded by the delay (no queueing, no timeouts) and that nothing fails or leaks. Needs ' +
      '--start-stack (or a gateway with two restaurant replicas and --param instance=<INSTANCE_ID>).',
    stack: { gateway: true, restaurantReplicas: 2, orderViaGateway: true },
    setup: { users: 6, stock: [{ menus: range(6, 10), stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        { name: 'menu-reads', rate: 20, work: { type: 'read-menus', menus } },
        { name: 'orders', rate: 8, work: { type: 'order', menus: range(6, 10) } },
      ],
    },
    hypothesis: {
      title: 'one slow replica slows half the traffic by its delay, no more, and nothing fails',
      probes: [
        { name: 'menus answer 200', type: 'status-share', op: OP.menus, statuses: [200], min: 0.99 },
        { name: 'orders confirmed', type: 'status-share', op: OP.order, statuses: [201], min: 0.99 },
        {
          name: 'the slow replica is hit (GET /menus p75)',
          type: 'latency',
          op: OP.menus,
          percentile: 75,
          minMs: { during: delay * 0.8 },
        },
        {
          name: 'the healthy replica stays fast (GET /menus p25)',
          type: 'latency',
          op: OP.menus,
          percentile: 25,
          maxMs: { during: 200 },
        },
        {
          name: 'GET /menus p99',
          type: 'latency',
          op: OP.menus,
          percentile: 99,
          maxMs: { before: 300, during: delay + 1000, after: 300 },
        },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 1500, during: 2 * delay + 2000, after: 1500 },
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: `${instance} delay ${delay} ms`,
        fault: { kind: 'chaos', service: 'restaurant', knob: 'delay', instance, body: { delay_ms: delay } },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'restaurant' }],
  };
});
