// Spec scenario 6: the user service gets slow (DELAY_MS, default 2000) while orders keep coming.
// Orders must fail fast and cleanly (504 from the order service's 2 s timeout), never hang, never leak stock.
// k6 run -e DELAY_MS=2000 load/k6/delay-injection.js
import { check } from 'k6';
import { auditThresholds, checkStockAudit } from './lib/audit.js';
import { resetChaos, setChaos } from './lib/chaos.js';
import { MENU_ID } from './lib/config.js';
import { placeOrder } from './lib/orders.js';

export const options = {
  scenarios: {
    orders: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 20),
      timeUnit: '1s',
      duration: __ENV.DURATION || '1m',
      preAllocatedVUs: 50,
      maxVUs: 300,
      tags: { scenario: 'delay-injection' },
    },
  },
  thresholds: {
    // Bounded by the order service's validate timeout (+ retries), far below the gateway's 30 s.
    'http_req_duration{name:POST /orders}': ['max<10000'],
    'checks{check:clean answer}': ['rate==1'],
    ...auditThresholds,
  },
};

export function setup() {
  // As in the spec: every user-service call gets slower (login included), with a TTL as a safety net.
  setChaos('user', 'delay', { delay_ms: Number(__ENV.DELAY_MS || 2000), ttl_s: 3600 });
}

export default function () {
  const res = placeOrder([{ menu_id: MENU_ID, quantity: 1 }], { scenario: 'delay-injection' });
  check(res, { 'clean answer': (r) => [201, 503, 504].includes(r.status) });
}

export function teardown() {
  resetChaos('user');
  checkStockAudit();
}
