import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** readiness_fail: the probe says "not ready" while the service keeps serving. */
export default defineExperiment((ctx) => {
  const menus = range(11, 15);
  return {
    name: 'readiness-fail',
    title: 'Readiness fails on the restaurant service while it keeps serving',
    description:
      'POST /chaos/readiness_fail on the restaurant service: GET /health/ready answers 503 (check "chaos": down) ' +
      'and GET /health/live stays 200, so Kubernetes or the gateway would take the replica out of rotation ' +
      'without restarting it. Traffic sent to it directly (as here, no gateway) keeps succeeding: a failing ' +
      'probe is not an outage, and an orchestrator that restarts on readiness would be wrong. Seen in the probe, ' +
      'chaos_injections_total{type="readiness_fail"} (one per probe) and the “Chaos” dashboard.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: { streams: [{ name: 'orders', rate: ctx.param('rate', 6), work: { type: 'order-flow', menus } }] },
    hypothesis: {
      title: 'readiness reports 503 during the fault only, and every request still succeeds',
      probes: [
        {
          name: 'restaurant /health/ready is 503 during the fault',
          type: 'http',
          service: 'restaurant',
          path: '/health/ready',
          expectStatus: 503,
          phases: ['during'],
        },
        {
          name: 'restaurant /health/ready is 200 before and after',
          type: 'http',
          service: 'restaurant',
          path: '/health/ready',
          expectStatus: 200,
          phases: ['before', 'after'],
        },
        {
          name: 'restaurant /health/live stays 200',
          type: 'http',
          service: 'restaurant',
          path: '/health/live',
          expectStatus: 200,
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
        name: 'restaurant readiness_fail',
        fault: { kind: 'chaos', service: 'restaurant', knob: 'readiness_fail', body: {} },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'restaurant' }],
  };
});
