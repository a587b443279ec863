import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** Spec scenario 2: many users order the same menu at once until it sells out; never oversold, never lost. */
export default defineExperiment((ctx) => {
  const hot = ctx.param('menu', 1);
  const others = range(2, 6).filter((id) => id !== hot);
  const rate = ctx.param('rate', 15);
  // Sized so the hot menu sells out a third of the way into the burst, also when the run is shortened.
  const stock = ctx.param('stock', Math.max(10, Math.round(rate * 20 * ctx.durationScale * 0.3)));
  return {
    name: 'concurrent-orders',
    specScenario: 2,
    title: `Spec scenario 2: a burst of concurrent orders on menu ${hot} until its ${stock} units sell out`,
    description:
      'Before and after, orders are spread over several menus. During the method every arrival orders the same ' +
      'menu (one row, pessimistically locked), faster than it can be sold: exactly the stock is confirmed, every ' +
      'other order is a clean 201 FAILED with OUT_OF_STOCK, the lock queue keeps latency bounded, and the ledger adds up at ' +
      'every moment.',
    setup: {
      users: 12,
      stock: [
        { menus: [hot], stock },
        { menus: others, stock: 100_000 },
      ],
    },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 3 },
    load: {
      streams: [
        { name: 'spread', rate: { before: 8, after: 8 }, work: { type: 'order', menus: others } },
        { name: 'hot-menu', rate: { during: rate }, work: { type: 'order', menus: [hot] } },
      ],
    },
    hypothesis: {
      title: 'the hot menu sells exactly its stock, every other order fails OUT_OF_STOCK, no stock is lost',
      probes: [
        {
          name: 'orders answer 201 (CONFIRMED or FAILED)',
          type: 'status-share',
          op: OP.order,
          statuses: [201],
          min: 0.99,
        },
        {
          name: 'every order is confirmed or sold out',
          type: 'outcome-share',
          op: OP.order,
          outcomes: ['CONFIRMED', 'OUT_OF_STOCK'],
          min: 0.99,
        },
        {
          name: 'the hot menu sells out',
          type: 'outcome-share',
          stream: 'hot-menu',
          outcomes: ['OUT_OF_STOCK'],
          min: { during: 0.2 },
          needsStockReset: true,
        },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 1500, during: 2500, after: 1500 },
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [],
  };
});
