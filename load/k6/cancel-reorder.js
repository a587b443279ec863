// Spec scenario 3: order, cancel, order again — stock must come back exactly once per cancel.
// k6 run load/k6/cancel-reorder.js
import http from 'k6/http';
import { check } from 'k6';
import { auditThresholds, checkStockAudit } from './lib/audit.js';
import { api, MENU_ID } from './lib/config.js';
import { placeOrder, safeJson } from './lib/orders.js';
import { authHeaders } from './lib/session.js';

export const options = {
  scenarios: {
    cancel_reorder: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 20),
      duration: __ENV.DURATION || '1m',
      tags: { scenario: 'cancel-reorder' },
    },
  },
  thresholds: {
    'checks{check:cancelled}': ['rate>0.99'],
    'checks{check:second cancel refused}': ['rate==1'],
    http_req_duration: ['p(95)<800'],
    ...auditThresholds,
  },
};

export default function () {
  const order = placeOrder([{ menu_id: MENU_ID, quantity: 2 }], { scenario: 'cancel-reorder' });
  if (!check(order, { ordered: (r) => r.status === 201 && safeJson(r, 'status') === 'CONFIRMED' })) return;
  const id = order.json('id');
  const cancel = http.post(`${api.orders}/${id}/cancel`, null, {
    headers: authHeaders(),
    tags: { name: 'POST /orders/:id/cancel' },
  });
  check(cancel, { cancelled: (r) => r.status === 200 && r.json('status') === 'CANCELLED' });
  // The original restored stock twice here; ours answers 409 and restores nothing.
  const again = http.post(`${api.orders}/${id}/cancel`, null, {
    headers: authHeaders(),
    tags: { name: 'POST /orders/:id/cancel (again)' },
  });
  check(again, { 'second cancel refused': (r) => r.status === 409 });
}

export function teardown() {
  checkStockAudit();
}
