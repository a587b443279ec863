import {
  createTestStack,
  freePort,
  readOwnerTable,
  request,
  startServiceProcess,
  type ServiceProcess,
  type TestStack,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawRequest, startGateway, type Gateway } from './support';

/** Internal paths an attacker aims at, spelled plainly; the matrix below disguises them. */
const TARGETS = [
  { path: '/chaos/delay', body: '{"delay_ms":5000}' },
  { path: '/chaos/payment_fail', body: '{"fail_percent":100}' },
  { path: '/admin/stock/reset', body: '{"stock":0}' },
  { path: '/inventory/reservations', body: '{"order_id":999999,"items":[{"menu_id":1,"quantity":10}]}' },
  { path: '/inventory/reservations/424242', body: '' },
  { path: '/metrics', body: '' },
  { path: '/docs', body: '' },
  { path: '/validate', body: '{"user_id":1}' },
  {
    path: '/token',
    body: '{"grant_type":"client_credentials","client_id":"order-service","client_secret":"x"}',
  },
];

const mixedCase = (text: string) =>
  [...text].map((char, i) => (i % 2 ? char.toUpperCase() : char.toLowerCase())).join('');

/** Ways to reach `target` (a path such as /chaos/delay) through a public prefix or an encoding. */
function disguises(target: string): string[] {
  const [, first, rest] = /^\/([^/]+)(.*)$/.exec(target)!;
  const encodeFirst = `%${first.charCodeAt(0).toString(16)}${first.slice(1)}`;
  const prefixes = ['', '/api/restaurants', '/api/users', '/api/orders', '/api/users/', '/orders/1'];
  const variants = new Set<string>();
  for (const prefix of prefixes) {
    variants.add(`${prefix}${target}`);
    variants.add(`${prefix}/${encodeFirst}${rest}`); // %63haos
    variants.add(`${prefix}/${encodeFirst.replace('%', '%25')}${rest}`); // %2563haos
    variants.add(`${prefix}/${encodeFirst.replace('%', '%2525')}${rest}`); // %252563haos
    variants.add(`${prefix}/${first.toUpperCase()}${rest}`);
    variants.add(`${prefix}/${mixedCase(first)}${rest}`); // cHaOs
    variants.add(`${prefix}/${first}.${rest}`); // trailing dot
    variants.add(`${prefix}${target}.`);
    variants.add(`${prefix}${target}/`);
    variants.add(`${prefix}/${first}${rest.replace(/\//g, '%2F')}`);
    variants.add(`${prefix}/${first}${rest.replace(/\//g, '%2f')}`);
    variants.add(`${prefix}/${first}${rest.replace(/\//g, '%252F')}`);
    variants.add(`${prefix}//${first}${rest}`);
    variants.add(`${prefix}/${first};x=1${rest}`);
  }
  for (const start of ['/menus', '/api/restaurants/menus', '/api/orders/1', '/users/1']) {
    variants.add(`${start}/..${target}`);
    variants.add(`${start}/%2e%2e${target}`);
    variants.add(`${start}/%2E%2E${target}`);
    variants.add(`${start}/%252e%252e${target}`);
    variants.add(`${start}/%2e%2E${target}`);
    variants.add(`${start}/%25252E%25252e${target}`);
    variants.add(`${start}/.%2e${target}`);
    variants.add(`${start}/..%2F..%2F..${target}`);
    variants.add(`${start}/..%5C..%5C..${target}`);
    variants.add(`${start}\\..\\..${target}`);
    variants.add(`${start};/..${target}`);
  }
  return [...variants];
}

interface AccessLine {
  request_id: string;
  status: number;
  upstream: string;
  uri: string;
}

describe('NGINX gateway: the public API and nothing else (real nginx, the three real services)', () => {
  let stack: TestStack;
  let user: ServiceProcess;
  let restaurant: ServiceProcess;
  let order: ServiceProcess;
  let gateway: Gateway;
  let port: number;
  let token: string;

  before(async () => {
    stack = await createTestStack('gateway-allow');
    const env = { ...stack.baseEnv, LOG_LEVEL: 'warn' };
    user = await startServiceProcess('user', env);
    const jwks = `${user.url}/.well-known/jwks.json`;
    restaurant = await startServiceProcess('restaurant', { ...env, JWKS_URL: jwks });
    const orderPort = await freePort();
    const internalPort = await freePort();
    gateway = await startGateway({
      USER_UPSTREAMS: user.url.replace('http://', ''),
      RESTAURANT_UPSTREAMS: restaurant.url.replace('http://', ''),
      ORDER_UPSTREAMS: `127.0.0.1:${orderPort}`,
      GATEWAY_INTERNAL_LISTEN: `127.0.0.1:${internalPort}`,
    });
    port = Number(new URL(gateway.url).port);
    // The order service reaches the restaurant's ledger through the gateway's internal listener.
    order = await startServiceProcess('order', {
      ...env,
      PORT: String(orderPort),
      JWKS_URL: jwks,
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: `http://127.0.0.1:${internalPort}`,
    });
    const login = await request(`${gateway.url}/api/users/login`, {
      body: { username: 'user', password: 'pass' },
    });
    token = login.body.access_token;
  });

  after(async () => {
    await gateway?.stop();
    await Promise.allSettled([order?.stop(), restaurant?.stop(), user?.stop()]);
    await stack?.teardown();
  });

  it("serves the spec's flow through the gateway, bare and /api paths alike", async () => {
    expect(token).toEqual(expect.any(String));
    for (const path of ['/menus', '/api/restaurants/menus', '/menus/1', '/api/restaurants/menus/1']) {
      expect([path, (await request(`${gateway.url}${path}`)).status]).toEqual([path, 200]);
    }
    for (const path of ['/restaurants', '/restaurants/1', '/inventory/audit', '/orders/audit']) {
      expect([path, (await request(`${gateway.url}${path}`)).status]).toEqual([path, 200]);
    }
    const placed = await request(`${gateway.url}/api/orders`, {
      token,
      body: { items: [{ menu_id: 1, quantity: 1 }], address: '서울시 강남구 123-45', phone: '010-1234-5678' },
    });
    expect([placed.status, placed.body.status]).toEqual([201, 'CONFIRMED']);
    const id = placed.body.id as number;
    expect((await request(`${gateway.url}/orders/${id}`, { token })).body.status).toBe('CONFIRMED');
    expect((await request(`${gateway.url}/api/orders`, { token })).body.orders[0].id).toBe(id);
    const cancelled = await request(`${gateway.url}/orders/${id}/cancel`, { token, method: 'POST' });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
    expect((await request(`${gateway.url}/api/orders/audit`)).body.ok).toBe(true);
  });

  it("routes the spec's PUT /inventory, where the service refuses a user token", async () => {
    const before = (await request(`${gateway.url}/menus/2`)).body.inventory as number;
    const res = await request(`${gateway.url}/inventory/2/restore`, {
      method: 'PUT',
      token,
      body: { quantity: 1000 },
    });
    expect([res.status, res.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    const operator = await request(`${gateway.url}/login`, { body: stack.operator });
    const moved = await request(`${gateway.url}/api/restaurants/inventory/2`, {
      method: 'PUT',
      token: operator.body.access_token,
      body: { quantity: 1 },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.remaining_inventory).toBe(before - 1);
  });

  it("routes what the README's table of owners marks for the gateway, and nothing else it lists", async () => {
    // The /api/<service>/... form of a public path.
    const apiForm = (path: string) =>
      /^\/(orders|users)\//.test(path) || path === '/orders'
        ? `/api${path}`
        : /^\/(menus|restaurants|inventory)/.test(path)
          ? `/api/restaurants${path}`
          : `/api/users${path}`;
    const sent: { id: string; call: string; routed: boolean; status: number }[] = [];
    let n = 0;
    for (const row of readOwnerTable()) {
      for (const operation of row.operations) {
        const [method, template] = operation.split(' ');
        const path = template.replace('{knob}', 'delay').replace(/\{[A-Za-z]+\}/g, '1');
        for (const target of [path, apiForm(path)]) {
          const id = `owners-${(n += 1)}`;
          const res = await request(`${gateway.url}${target}`, {
            method,
            token,
            headers: { 'x-request-id': id },
            ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }),
          });
          sent.push({ id, call: `${method} ${target}`, routed: row.gateway, status: res.status });
        }
      }
    }
    expect(sent.length).toBeGreaterThan(40);
    const upstreamOf = new Map(
      readFileSync(join(gateway.dir, 'access.log'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as AccessLine)
        .map((line) => [line.request_id, line.upstream]),
    );
    for (const { id, call, routed, status } of sent) {
      // Routed: the answer came from a service. Not routed: the gateway's own 404, no upstream.
      expect([call, upstreamOf.get(id) !== ''] as const).toEqual([call, routed]);
      if (!routed) expect([call, status]).toEqual([call, 404]);
    }
  });

  it('answers other methods on public paths with 405, not the upstream', async () => {
    for (const [method, path] of [
      ['DELETE', '/menus/1'],
      ['POST', '/menus'],
      ['GET', '/login'],
      ['PUT', '/orders/1'],
      ['GET', '/inventory/1'],
    ]) {
      const res = await request(`${gateway.url}${path}`, { method });
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 405, 'METHOD_NOT_ALLOWED']);
    }
  });

  it('lets no encoding, prefix, dot segment, odd Host or absolute-form request reach an internal endpoint', async () => {
    const audit = async () => {
      const { checked_at: _at, ...rest } = (await request(`${restaurant.url}/inventory/audit`)).body;
      return rest;
    };
    const stockBefore = await audit();
    const sent: { id: string; line: string }[] = [];
    let n = 0;
    const send = async (requestLine: string, headers: string[], body: string) => {
      const id = `matrix-${(n += 1)}`;
      const head = [
        requestLine,
        ...headers,
        `X-Request-ID: ${id}`,
        `Authorization: Bearer ${token}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
      ].join('\r\n');
      const res = await rawRequest(port, head, body);
      sent.push({ id, line: requestLine });
      // Only the gateway's own refusals: 400 (bad request or encoded path), 404 (no route), 405 (method).
      expect([requestLine, [400, 404, 405].includes(res.status)]).toEqual([requestLine, true]);
      if (res.status !== 400 || res.body.startsWith('{')) {
        expect([requestLine, JSON.parse(res.body).code]).toEqual([requestLine, expect.any(String)]);
      }
    };
    for (const { path, body } of TARGETS) {
      for (const disguised of disguises(path)) {
        for (const method of body ? ['POST'] : ['GET', 'DELETE']) {
          await send(`${method} ${disguised} HTTP/1.1`, ['Host: localhost'], body);
        }
      }
      // Absolute-form request lines and odd Host headers.
      await send(`POST http://localhost${path} HTTP/1.1`, ['Host: localhost'], body);
      await send(`POST http://evil.example/api/restaurants/%2563haos/delay HTTP/1.1`, ['Host: x'], body);
      for (const host of ['../chaos', 'localhost/chaos', 'localhost:1', '[::1]', 'LOCALHOST.']) {
        await send(`POST ${path} HTTP/1.1`, [`Host: ${host}`], body);
      }
    }
    await send('POST /chaos/delay HTTP/1.0', [], '{"delay_ms":5000}');
    expect(sent.length).toBeGreaterThan(1000);

    // Nothing reached a service: no access-log line of these requests names an upstream…
    const lines = readFileSync(join(gateway.dir, 'access.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AccessLine);
    const ids = new Set(sent.map((entry) => entry.id));
    const proxied = lines.filter((line) => ids.has(line.request_id) && line.upstream !== '');
    expect(proxied.map((line) => line.uri)).toEqual([]);
    // …and nothing changed: no fault on any service, stock and the ledger as they were.
    for (const service of [user, restaurant, order]) {
      expect((await request(`${service.url}/chaos`)).body.faults).toEqual([]);
    }
    expect(await audit()).toEqual(stockBefore);
  });

  it('serves the internal listener only the reservation ledger, and only to the order service', async () => {
    const internal = gateway.variables.GATEWAY_INTERNAL_LISTEN;
    const [host, internalPort] = [internal.split(':')[0], Number(internal.split(':')[1])];
    expect(host).toBe('127.0.0.1');
    const viaInternal = (path: string, init: Parameters<typeof request>[1] = {}) =>
      request(`http://127.0.0.1:${internalPort}${path}`, init);
    expect((await viaInternal('/chaos/delay', { body: { delay_ms: 1 } })).status).toBe(404);
    expect((await viaInternal('/menus')).status).toBe(404);
    expect((await viaInternal('/inventory/reservations/%2563ommit')).status).toBe(400);
    const asUser = await viaInternal('/inventory/reservations', {
      token,
      body: { order_id: 987654, items: [{ menu_id: 1, quantity: 1 }] },
    });
    expect([asUser.status, asUser.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
  });
});
