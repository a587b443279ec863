// Spec scenario 4: the effect of the Redis caches (menus 10 s / 30 s, orders 5 min), observed through X-Cache.
// k6 run load/k6/caching.js
import http from 'k6/http';
import { check } from 'k6';
import { Rate, Trend } from 'k6/metrics';
import { auditThresholds, checkStockAudit } from './lib/audit.js';
import { api, MENU_ID } from './lib/config.js';
import { placeOrder } from './lib/orders.js';
import { authHeaders } from './lib/session.js';

const hitRate = new Rate('cache_hit');
const hitDuration = new Trend('cache_hit_duration', true);
const missDuration = new Trend('cache_miss_duration', true);

export const options = {
  scenarios: {
    menus: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 200),
      timeUnit: '1s',
      duration: __ENV.DURATION || '1m',
      preAllocatedVUs: 20,
      maxVUs: 100,
      exec: 'readMenus',
      tags: { scenario: 'caching' },
    },
    order_reads: {
      executor: 'constant-vus',
      vus: 5,
      duration: __ENV.DURATION || '1m',
      exec: 'readOrder',
      tags: { scenario: 'caching' },
    },
  },
  thresholds: {
    cache_hit: ['rate>0.9'],
    'http_req_duration{name:GET /menus}': ['p(99)<100'],
    ...auditThresholds,
  },
};

function record(res) {
  const hit = res.headers['X-Cache'] === 'HIT';
  hitRate.add(hit);
  (hit ? hitDuration : missDuration).add(res.timings.duration);
}

export function readMenus() {
  const all = http.get(api.menus, { tags: { name: 'GET /menus' } });
  check(all, { 'menus 200': (r) => r.status === 200 });
  record(all);
  record(http.get(`${api.menus}/${MENU_ID}`, { tags: { name: 'GET /menus/:id' } }));
}

let orderId = null;
export function readOrder() {
  if (!orderId) orderId = placeOrder([{ menu_id: MENU_ID, quantity: 1 }], { scenario: 'caching' }).json('id');
  const res = http.get(`${api.orders}/${orderId}`, {
    headers: authHeaders(),
    tags: { name: 'GET /orders/:id' },
  });
  check(res, { 'order 200': (r) => r.status === 200 });
  record(res);
}

export function teardown() {
  checkStockAudit();
}
