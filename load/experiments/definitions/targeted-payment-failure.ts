import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit } from './common';

/** A targeted fault: every payment for one product fails, the others are untouched (a real incident's shape). */
export default defineExperiment((ctx) => {
  const broken = ctx.param('menu_id', 17);
  const healthy = [18, 19];
  return {
    name: 'targeted-payment-failure',
    title: `Targeted fault: every payment for menu ${broken} fails, other menus are untouched`,
    description:
      'POST /chaos/payment_fail {"fail_percent": 100, "match": {"menu_id": [...]}} on the order service: orders ' +
      'of one product fail with PAYMENT_FAILED (201, status FAILED) and give their stock back, orders of the others confirm as ' +
      'usual. Averaged over all traffic it looks like a small error rate; split by product it is a total outage ' +
      'of one: why dashboards need the dimension. Seen as chaos.injected span events carrying the user, in the ' +
      '“chaos: failing a payment” log lines and in chaos_injections_total{type="payment_fail"}.',
    setup: { users: 8, stock: [{ menus: [broken, ...healthy], stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        { name: 'broken-menu', rate: ctx.param('rate', 4), work: { type: 'order', menus: [broken] } },
        { name: 'other-menus', rate: ctx.param('rate', 4), work: { type: 'order', menus: healthy } },
      ],
    },
    hypothesis: {
      title: 'only the targeted product fails, fully, and its stock comes back',
      probes: [
        {
          name: 'the targeted menu fails (PAYMENT_FAILED) during the fault only',
          type: 'outcome-share',
          op: OP.order,
          stream: 'broken-menu',
          outcomes: ['PAYMENT_FAILED'],
          // An order already past its payment when the fault lands counts in `during`: allow a few at the edge.
          expect: { before: { share: 0 }, during: { share: 1, floor: 0.1 }, after: { share: 0 } },
        },
        {
          name: 'the other menus are untouched',
          type: 'outcome-share',
          op: OP.order,
          stream: 'other-menus',
          outcomes: ['CONFIRMED'],
          min: 0.99,
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: `order payment_fail 100% for menu ${broken}`,
        fault: {
          kind: 'chaos',
          service: 'order',
          knob: 'payment_fail',
          body: { fail_percent: 100, match: { menu_id: [broken] } },
        },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
});
