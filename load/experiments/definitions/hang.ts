import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** hang: the restaurant accepts GET /menus/{id} and never answers, while everything else it serves is fine. */
export default defineExperiment((ctx) => {
  const menus = range(6, 10);
  return {
    name: 'hang',
    title: 'Hang: the restaurant service leaves GET /menus/{id} unanswered; its other routes keep working',
    description:
      'POST /chaos/hang {"routes": ["/menus/*"]} on the restaurant service: single-menu reads are accepted and ' +
      'never answered (a deadlocked handler, a lost callback), while /health/live keeps saying 200, the failure a ' +
      'liveness probe cannot see. Graceful degradation here means containment: the held requests cost the ' +
      'process nothing else (no blocked event loop, no pool exhausted), so the menu list and the order flow ' +
      '(reservations on the same service) are served as before, and when the fault ends every held connection ' +
      'is closed: nothing leaks, reads answer again at once. Seen in chaos_injections_total{type="hang"}, the ' +
      '"holding … unanswered (hang)" log lines, the chaos.injected span events and the “Chaos” dashboard; ' +
      'the hung reads are the ones in the report without an answer.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        { name: 'orders', rate: ctx.param('rate', 6), work: { type: 'order', menus } },
        { name: 'menus', rate: 6, work: { type: 'read-menus', menus } },
      ],
    },
    hypothesis: {
      title:
        'only the hung route stops answering; the rest of the service, its probes and the orders are unaffected',
      probes: [
        { name: 'orders confirmed', type: 'status-share', op: OP.order, statuses: [201], min: 0.99 },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: 1500,
        },
        {
          name: 'GET /menus (not hung) answers 200',
          type: 'status-share',
          op: OP.menus,
          statuses: [200],
          min: 1,
        },
        {
          name: 'GET /menus/:id answers before and after, and hangs during the fault',
          type: 'status-share',
          op: OP.menu,
          statuses: [200],
          min: { before: 1, after: 1 },
          max: { during: 0.2 },
        },
        {
          name: 'restaurant /health/live stays 200',
          type: 'http',
          service: 'restaurant',
          path: '/health/live',
          expectStatus: 200,
        },
        { name: 'every order arrival answered', type: 'throughput', op: OP.order, minShare: 1 },
        {
          name: 'no 5xx, timeouts or drops before and after',
          type: 'error-rate',
          max: { before: 0.01, after: 0.01 },
        },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: 'restaurant hang on /menus/*',
        fault: { kind: 'chaos', service: 'restaurant', knob: 'hang', body: { routes: ['/menus/*'] } },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'restaurant' }],
  };
});
