import http from 'k6/http';
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
import { api } from './config.js';

/** Incremented when the stock audit finds lost or oversold stock; every script has a threshold of count==0. */
export const auditViolations = new Counter('audit_violations');

export const auditThresholds = { audit_violations: ['count==0'] };

/**
 * Called from teardown(): asks the order service (which joins the restaurant's inventory audit) whether every
 * unit of stock is accounted for, so a run that lost or oversold stock fails even if latencies were fine.
 */
export function checkStockAudit() {
  // Give the saga's outbox and recovery loop a moment to settle in-flight orders.
  const settleSeconds = Number(__ENV.AUDIT_SETTLE_S || 5);
  for (let attempt = 0; attempt <= settleSeconds; attempt += 1) {
    const res = http.get(api.orderAudit, { tags: { name: 'GET /orders/audit' } });
    if (res.status === 200 && res.json('ok') === true) return;
    if (attempt === settleSeconds) {
      console.error(`stock audit failed: ${res.status} ${res.body}`);
      auditViolations.add(1);
      return;
    }
    sleep(1);
  }
}
