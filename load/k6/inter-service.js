// Spec scenario 5: the whole inter-service flow (login → order through user + restaurant + order services).
// k6 run -e LOGIN_FORMAT=form load/k6/inter-service.js
import http from 'k6/http';
import { check } from 'k6';
import { auditThresholds, checkStockAudit } from './lib/audit.js';
import { api } from './lib/config.js';
import { placeOrder, safeJson } from './lib/orders.js';
import { authHeaders } from './lib/session.js';

export const options = {
  scenarios: {
    flow: {
      executor: 'ramping-arrival-rate',
      startRate: 5,
      timeUnit: '1s',
      preAllocatedVUs: 30,
      maxVUs: 200,
      stages: [
        { target: Number(__ENV.RATE || 50), duration: '30s' },
        { target: Number(__ENV.RATE || 50), duration: __ENV.DURATION || '1m' },
        { target: 0, duration: '10s' },
      ],
      tags: { scenario: 'inter-service' },
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:POST /orders}': ['p(95)<500'],
    checks: ['rate>0.99'],
    ...auditThresholds,
  },
};

export default function () {
  // Order what the catalogue offers, as the original frontend does (it disables sold-out menus).
  const menus = http
    .get(api.menus, { tags: { name: 'GET /menus' } })
    .json()
    .filter((candidate) => candidate.is_available);
  const menu = menus[Math.floor(Math.random() * menus.length)];
  const order = placeOrder([{ menu_id: menu.id, quantity: 1 }], { scenario: 'inter-service' });
  check(order, { 'order 201': (r) => r.status === 201 && safeJson(r, 'status') === 'CONFIRMED' });
  if (order.status === 201) {
    check(
      http.get(`${api.orders}/${order.json('id')}`, {
        headers: authHeaders(),
        tags: { name: 'GET /orders/:id' },
      }),
      {
        'status readable': (r) => r.status === 200,
      },
    );
  }
}

export function teardown() {
  checkStockAudit();
}
