// Spec scenario 2: many users order the same menu at once; stock must never be oversold or lost.
// k6 run -e VUS=100 -e DURATION=1m load/k6/concurrent-orders.js
import { check } from 'k6';
import { auditThresholds, checkStockAudit } from './lib/audit.js';
import { MENU_ID } from './lib/config.js';
import { placeOrder, safeJson } from './lib/orders.js';

export const options = {
  scenarios: {
    hot_menu: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 50),
      duration: __ENV.DURATION || '1m',
      tags: { scenario: 'concurrent-orders' },
    },
  },
  thresholds: {
    'http_req_duration{name:POST /orders}': ['p(95)<800', 'p(99)<1500'],
    // 201 CONFIRMED or 201 FAILED with OUT_OF_STOCK (sold out) are both correct answers; anything else is a failure.
    'checks{check:order answered correctly}': ['rate>0.99'],
    ...auditThresholds,
  },
};

export default function () {
  const res = placeOrder([{ menu_id: MENU_ID, quantity: 1 }], { scenario: 'concurrent-orders' });
  check(res, {
    'order answered correctly': (r) =>
      r.status === 201 &&
      (safeJson(r, 'status') === 'CONFIRMED' || safeJson(r, 'failure_reason') === 'OUT_OF_STOCK'),
  });
}

export function teardown() {
  checkStockAudit();
}
