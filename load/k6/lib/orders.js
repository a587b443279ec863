import http from 'k6/http';
import { Counter } from 'k6/metrics';
import { api } from './config.js';
import { authHeaders, idempotencyKey } from './session.js';

export const ordersConfirmed = new Counter('orders_confirmed');
export const ordersFailed = new Counter('orders_failed');
export const ordersRejected = new Counter('orders_rejected');

/** Places an order (with an Idempotency-Key) and counts its outcome. */
export function placeOrder(items, tags = {}) {
  const res = http.post(
    api.orders,
    JSON.stringify({ items, address: '서울시 강남구 123-45', phone: '010-1234-5678' }),
    {
      headers: authHeaders({ 'Idempotency-Key': idempotencyKey() }),
      tags: { name: 'POST /orders', ...tags },
    },
  );
  // A recorded order answers 201 whatever became of it (as the original service did): its `status` says which.
  const status = res.status === 201 ? safeJson(res, 'status') : null;
  if (status === 'CONFIRMED') ordersConfirmed.add(1, tags);
  else if (status === 'FAILED') ordersFailed.add(1, tags);
  else ordersRejected.add(1, { ...tags, status: String(res.status) });
  return res;
}

export function safeJson(res, path) {
  try {
    return res.json(path);
  } catch {
    return null;
  }
}
