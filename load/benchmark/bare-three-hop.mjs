#!/usr/bin/env node
// The bare three-hop reference of `npm run bench`: the architecture's own floor. Three bare node:http servers
// (no Nest, no validation, no logging, no tracing, no auth checks) doing exactly an order's work on the services'
// own tables, with the same statements and the same HTTP calls between them over keep-alive (undici, as the
// services' downstream clients):
//
//   POST /orders (order) → POST /validate (user: the user lookup)
//                        → the PENDING order and its items (one statement)
//                        → POST /inventory/reservations (restaurant: the reservation, one statement)
//                        → the confirmation with prices, total and the commit task (one statement)
//
// The commit task it queues is picked up by the real order service's saga worker, as the services' own orders'
// are, so the stock audit covers these orders too. The statements are copies of the services' prepared
// statements (bare-three-hop.spec.ts checks them against the services' source).
//
// Usage: node bare-three-hop.mjs <user|restaurant|order> (env: PORT, DATABASE_URL, DATABASE_POOL_MAX (10, the
// services' default), USER_URL and RESTAURANT_URL for the order role; MAX_IN_FLIGHT: the simplest admission
// control, a fixed cap beyond which the server's request listener answers 503 with the services' refusal body, and
// /health/live always answers, for the overload rows' floor). Prints "BARE_READY <port>" when listening.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { Agent, request } from 'undici';
import { FIND_IDENTITY, INSERT_PENDING, RESERVE_IN_ONE_STATEMENT, TRANSITION } from './bare-statements.mjs';

const role = process.argv[2];
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
  // Idle connections go soon: pgbench runs right after this reference, on a server with 100 connections.
  idleTimeoutMillis: 1000,
});
// Named statements, as the services prepare theirs (parsed and planned once per connection).
const run = (name, text, values) => pool.query({ name, text, values }).then((result) => result.rows);

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function send(res, status, body) {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': bytes.length,
  });
  res.end(bytes);
}

/** The JWT's subject, read without verifying it (the floor has no auth; the services remember verified tokens). */
function userIdOf(authorization) {
  const payload = (authorization ?? '').split('.')[1];
  if (!payload) return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const id = Number(claims.sub ?? claims.user_id);
  return Number.isSafeInteger(id) ? id : null;
}

const handlers = {
  async user(req, res) {
    if (req.method !== 'POST' || !req.url.startsWith('/validate')) return send(res, 404, {});
    const { user_id: userId } = JSON.parse(await readBody(req));
    const [user] = await run('find_identity', FIND_IDENTITY, [userId]);
    if (!user) return send(res, 404, { code: 'USER_NOT_FOUND' });
    send(res, 200, { valid: true, user_id: user.id, username: user.username });
  },

  async restaurant(req, res) {
    if (req.method !== 'POST' || req.url !== '/inventory/reservations') return send(res, 404, {});
    const { order_id: orderId, user_id: userId, items } = JSON.parse(await readBody(req));
    const [row] = await run('reserve', RESERVE_IN_ONE_STATEMENT, [
      String(orderId),
      items.map((item) => item.menu_id),
      items.map((item) => item.quantity),
      userId,
    ]);
    if (!row.claimed) return send(res, 409, { code: 'INSUFFICIENT_STOCK' });
    const menus = new Map(row.menus.map((menu) => [menu.id, menu]));
    send(res, 201, {
      ...row.claimed,
      items: items.map((item) => ({
        menu_id: item.menu_id,
        name: menus.get(item.menu_id).name,
        quantity: item.quantity,
        unit_price: menus.get(item.menu_id).price,
      })),
    });
  },

  async order(req, res) {
    if (req.method !== 'POST' || req.url !== '/orders') return send(res, 404, {});
    const raw = await readBody(req);
    const body = JSON.parse(raw);
    const userId = userIdOf(req.headers.authorization);
    const hop = async (url, payload) => {
      const response = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      return { status: response.statusCode, body: await response.body.json() };
    };
    const valid = await hop(`${process.env.USER_URL}/validate`, { user_id: userId });
    if (valid.status !== 200) return send(res, 403, { code: 'USER_INVALID' });
    const [order] = await run('insert_pending', INSERT_PENDING, [
      userId,
      body.address,
      body.phone,
      req.headers['idempotency-key'] ?? null,
      createHash('sha256').update(raw).digest('hex'),
      body.items.map((item) => item.menu_id),
      body.items.map((item) => item.quantity),
    ]);
    if (!order) return send(res, 409, { code: 'IDEMPOTENCY_REPLAY' });
    const reserved = await hop(`${process.env.RESTAURANT_URL}/inventory/reservations`, {
      order_id: order.id,
      user_id: userId,
      items: body.items,
    });
    if (reserved.status !== 201) return send(res, 409, { code: 'INSUFFICIENT_STOCK', id: order.id });
    const priced = reserved.body.items;
    const [confirmed] = await run('transition', TRANSITION, [
      order.id,
      'CONFIRMED',
      null,
      ['PENDING'],
      priced.map((item) => item.menu_id),
      priced.map((item) => item.name),
      priced.map((item) => item.unit_price),
      'commit',
      0,
    ]);
    send(res, 201, {
      id: confirmed.id,
      user_id: confirmed.user_id,
      status: confirmed.status,
      items: confirmed.items,
      total: Number(confirmed.total),
      address: confirmed.address,
      phone: confirmed.phone,
    });
  },
};

const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
const handler = handlers[role];
if (!handler) {
  process.stderr.write('usage: bare-three-hop.mjs <user|restaurant|order>\n');
  process.exit(2);
}
const maxInFlight = Number(process.env.MAX_IN_FLIGHT ?? 0);
let inFlight = 0;
const REFUSAL = Buffer.from(
  JSON.stringify({
    statusCode: 503,
    code: 'OVERLOADED',
    message: 'The service is overloaded, retry shortly',
    detail: 'The service is overloaded, retry shortly',
    traceId: '00000000000000000000000000000000',
  }),
);
const server = createServer((req, res) => {
  if (maxInFlight > 0) {
    if (req.url === '/health/live') return send(res, 200, { status: 'ok' });
    if (inFlight >= maxInFlight) {
      res.writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': REFUSAL.length,
        'retry-after': '1',
      });
      return res.end(REFUSAL);
    }
    inFlight += 1;
    res.once('close', () => (inFlight -= 1));
  }
  handler(req, res).catch((error) => {
    if (!res.headersSent) send(res, 500, { message: String(error?.message ?? error) });
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`BARE_READY ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
});
