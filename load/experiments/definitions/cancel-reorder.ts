import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit } from './common';

/** Spec scenario 3: order, cancel, cancel again, order again — stock comes back exactly once per cancel. */
export default defineExperiment((ctx) => {
  const menu = ctx.param('menu', 7);
  return {
    name: 'cancel-reorder',
    specScenario: 3,
    title: `Spec scenario 3: order → cancel → cancel again → re-order on menu ${menu}, 2.5× faster during the method`,
    description:
      'Each arrival orders 2 units, cancels (200, stock restored), cancels again (409 ORDER_NOT_CANCELLABLE: the ' +
      'original restored the stock a second time here) and the next arrival orders again. The method raises the ' +
      'rate 2.5× on the same menu row. Every unit must be back when the run ends.',
    setup: { users: 8, stock: [{ menus: [menu], stock: 1000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        {
          name: 'cancel-reorder',
          rate: { before: 4, during: 10, after: 4 },
          work: { type: 'cancel-reorder', menus: [menu], quantity: 2 },
        },
      ],
    },
    hypothesis: {
      title: 'every cancel restores stock exactly once and the menu ends where it started',
      probes: [
        { name: 'orders confirmed', type: 'status-share', op: OP.order, statuses: [201], min: 0.99 },
        { name: 'cancel answers 200', type: 'status-share', op: OP.cancel, statuses: [200], min: 0.99 },
        {
          name: 'second cancel refused with 409',
          type: 'status-share',
          op: OP.cancelAgain,
          statuses: [409],
          min: 1,
        },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 1500, during: 2500, after: 1500 },
        },
        {
          name: 'cancel p99',
          type: 'latency',
          op: OP.cancel,
          percentile: 99,
          maxMs: { before: 1500, during: 2500, after: 1500 },
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        { name: `menu ${menu} stock back to where it started`, type: 'stock-restored', menus: [menu] },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [],
  };
});
