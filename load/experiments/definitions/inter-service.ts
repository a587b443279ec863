import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** Spec scenario 5: the whole inter-service flow, while the user service fails half of its calls. */
export default defineExperiment((ctx) => {
  const menus = range(11, 15);
  return {
    name: 'inter-service',
    specScenario: 5,
    title:
      'Spec scenario 5: login → menus → order → status across the three services, with user-service errors',
    description:
      'Each arrival browses the menus, orders one (the order service validates the user with the user service and ' +
      'reserves stock with the restaurant service) and reads the order back; a second stream logs in. During the ' +
      'method the user service answers 500 to half of its calls (the spec’s POST /chaos/error {"enable": true}): ' +
      'the order service’s retries absorb most of it, the rest fail cleanly as 502 naming the user service with ' +
      'nothing recorded, and the circuit breaker (75%) stays closed.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        { name: 'flow', rate: ctx.param('rate', 8), work: { type: 'order-flow', menus } },
        { name: 'logins', rate: 2, work: { type: 'login' } },
      ],
    },
    hypothesis: {
      title: 'the flow works end to end, and dependency errors are absorbed or fail cleanly',
      probes: [
        {
          // Three attempts each failing half the time: 87.5% get through (without retries it would be 50%).
          name: 'orders confirmed (retries absorb the errors)',
          type: 'status-share',
          op: OP.order,
          statuses: [201],
          min: { before: 0.99, after: 0.99 },
          expect: { during: { share: 0.875 } },
        },
        {
          name: 'orders answer 201 or a clean 502',
          type: 'status-share',
          op: OP.order,
          statuses: [201, 502],
          min: 0.99,
        },
        {
          name: 'placed orders are readable',
          type: 'status-share',
          op: OP.readOrder,
          statuses: [200],
          min: 0.99,
        },
        {
          name: 'logins fail at the injected share',
          type: 'status-share',
          op: OP.login,
          statuses: [500],
          expect: { before: { share: 0 }, during: { share: 0.5 }, after: { share: 0 } },
        },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 1500, during: 3000, after: 1500 },
        },
        { name: 'menus never fail', type: 'error-rate', op: OP.menus, max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: 'user-service errors 50%',
        fault: { kind: 'chaos', service: 'user', knob: 'error', body: { enable: true } },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'user' }],
  };
});
