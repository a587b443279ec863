import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** Spec scenario 1 (chaos engineering): payments fail at a given share; failed orders roll back their stock. */
export default defineExperiment((ctx) => {
  const failPercent = ctx.param('fail_percent', 30);
  const menus = range(1, 5);
  return {
    name: 'payment-failure',
    specScenario: 1,
    title: `Spec scenario 1: ${failPercent}% of payments fail, and every failed order gives its stock back`,
    description:
      'POST /chaos/payment_fail on the order service while orders keep arriving at a fixed rate. Every order must ' +
      'answer 201, CONFIRMED or FAILED with PAYMENT_FAILED (payment_status "failed", as the original service ' +
      'answered) at about the injected share, failing must not make ' +
      'orders slower, and once everything settled not one unit of stock may be lost.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: { streams: [{ name: 'orders', rate: ctx.param('rate', 10), work: { type: 'order', menus } }] },
    hypothesis: {
      title: 'orders settle cleanly at the injected failure share and no stock is lost',
      probes: [
        {
          name: 'orders answer 201 (CONFIRMED or FAILED)',
          type: 'status-share',
          op: OP.order,
          statuses: [201],
          min: 0.99,
        },
        {
          name: 'every order is confirmed or fails its payment',
          type: 'outcome-share',
          op: OP.order,
          outcomes: ['CONFIRMED', 'PAYMENT_FAILED'],
          min: 0.99,
        },
        {
          name: 'payments fail at the injected share',
          type: 'outcome-share',
          op: OP.order,
          outcomes: ['PAYMENT_FAILED'],
          expect: { before: { share: 0 }, during: { share: failPercent / 100 }, after: { share: 0 } },
        },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 1500, during: 2000, after: 1500 },
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: `order payment_fail ${failPercent}%`,
        fault: { kind: 'chaos', service: 'order', knob: 'payment_fail', body: { fail_percent: failPercent } },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
});
