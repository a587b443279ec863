// Smoke test: one user walks the spec's basic flow (login → menus → order → status → cancel).
// k6 run load/k6/smoke.js   (BASE_URL defaults to npm start's gateway at http://localhost:8080)
import http from 'k6/http';
import { check, sleep } from 'k6';
import { api } from './lib/config.js';
import { auditThresholds, checkStockAudit } from './lib/audit.js';
import { authHeaders } from './lib/session.js';
import { placeOrder, safeJson } from './lib/orders.js';

export const options = {
  vus: 1,
  iterations: 5,
  tags: { scenario: 'smoke' },
  thresholds: {
    checks: ['rate==1'],
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<500'],
    ...auditThresholds,
  },
};

export default function () {
  const menus = http.get(api.menus, { tags: { name: 'GET /menus' } });
  check(menus, { 'menus 200': (r) => r.status === 200, 'menus not empty': (r) => r.json().length > 0 });
  const order = placeOrder([{ menu_id: 1, quantity: 1 }], { scenario: 'smoke' });
  check(order, { 'order 201': (r) => r.status === 201 && safeJson(r, 'status') === 'CONFIRMED' });
  const id = order.json('id');
  check(http.get(`${api.orders}/${id}`, { headers: authHeaders(), tags: { name: 'GET /orders/:id' } }), {
    'order readable': (r) => r.status === 200,
  });
  check(
    http.post(`${api.orders}/${id}/cancel`, null, {
      headers: authHeaders(),
      tags: { name: 'POST /orders/:id/cancel' },
    }),
    {
      'cancel 200': (r) => r.status === 200,
    },
  );
  sleep(0.2);
}

export function teardown() {
  checkStockAudit();
}
