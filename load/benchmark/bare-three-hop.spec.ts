import {
  createTestStack,
  request,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestStack,
  reapWithTestProcess,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import * as statements from './bare-statements.mjs';

const ROOT = join(__dirname, '..', '..');

/**
 * A template literal assigned to `const name` in a service source file, with the `${CONSTANT}`s it uses filled in
 * from string constants of the same file: the statement the service runs.
 */
function serviceStatement(file: string, name: string): string {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const constants = new Map<string, string>();
  for (const match of source.matchAll(/const (\w+) =\s*'([^']*)';/g)) constants.set(match[1], match[2]);
  const found = new RegExp(
    `const ${name} = (?:new PreparedStatement<[^(]*>\\()?\\s*(['\`])([\\s\\S]*?)\\1`,
  ).exec(source);
  if (!found) throw new Error(`${name} not found in ${file}`);
  return found[2].replace(/\$\{(\w+)\}/g, (_, constant: string) => {
    const value = constants.get(constant);
    if (value === undefined) throw new Error(`${constant} (in ${name}) is not a string constant of ${file}`);
    return value;
  });
}

const squeeze = (sql: string) => sql.replace(/\s+/g, ' ').trim();

describe('bare three-hop reference: the statements', () => {
  it('are the ones the services run', () => {
    const sources: [keyof typeof statements, string][] = [
      ['FIND_IDENTITY', 'services/user/src/users/users.service.ts'],
      ['RESERVE_IN_ONE_STATEMENT', 'services/restaurant/src/reservations/reservations.service.ts'],
      ['INSERT_PENDING', 'services/order/src/orders/order-store.service.ts'],
      ['TRANSITION', 'services/order/src/orders/order-store.service.ts'],
    ];
    for (const [name, file] of sources) {
      expect({ name, sql: squeeze(statements[name]) }).toEqual({
        name,
        sql: squeeze(serviceStatement(file, name)),
      });
    }
  });
});

describe('bare three-hop reference against the services’ database', () => {
  let stack: TestStack;
  const services: ServiceProcess[] = [];
  const bare: ChildProcess[] = [];
  let pg: Client;
  let token: string;
  let orderUrl: string;
  let serviceOrderUrl: string;

  /** Starts one role of bare-three-hop.mjs and resolves with its URL. */
  const startBare = (role: string, env: Record<string, string>) =>
    new Promise<string>((resolve, reject) => {
      const child = reapWithTestProcess(
        spawn(process.execPath, [join(__dirname, 'bare-three-hop.mjs'), role], {
          env: { PATH: process.env.PATH ?? '', DATABASE_URL: stack.db.url, PORT: '0', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      bare.push(child);
      let out = '';
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const ready = /BARE_READY (\d+)/.exec(out);
        if (ready) resolve(`http://127.0.0.1:${ready[1]}`);
      });
      child.once('exit', (code) => reject(new Error(`bare ${role} exited ${code}: ${err}`)));
    });

  before(async () => {
    stack = await createTestStack('bare-three-hop');
    const user = await startServiceProcess('user', stack.baseEnv);
    services.push(user);
    const jwks = { JWKS_URL: `${user.url}/.well-known/jwks.json` };
    const restaurant = await startServiceProcess('restaurant', { ...stack.baseEnv, ...jwks });
    services.push(restaurant);
    // The order service migrates its schema, and its saga worker commits the reservations the bare reference
    // leaves, as it does the services' own.
    const order = await startServiceProcess('order', {
      ...stack.baseEnv,
      ...jwks,
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
      SAGA_WORKER_INTERVAL_MS: '200',
    });
    services.push(order);
    serviceOrderUrl = order.url;
    const login = await request<{ access_token: string }>(`${user.url}/login`, {
      body: { username: 'user', password: 'pass' },
    });
    expect(login.status).toBe(200);
    token = login.body.access_token;
    pg = new Client({ connectionString: stack.db.url });
    await pg.connect();
    const userUrl = await startBare('user', {});
    const restaurantUrl = await startBare('restaurant', {});
    orderUrl = await startBare('order', { USER_URL: userUrl, RESTAURANT_URL: restaurantUrl });
  });

  after(async () => {
    for (const child of bare) child.kill('SIGKILL');
    await pg?.end();
    await Promise.allSettled(services.map((service) => service.stop()));
    await stack?.teardown();
  });

  it('places a confirmed order: reserved stock, priced items, the commit left to the saga worker', async () => {
    const stockOf = async (id: number) =>
      Number((await pg.query('SELECT stock FROM restaurant.menus WHERE id = $1', [id])).rows[0].stock);
    const [menu] = (await pg.query('SELECT id, price FROM restaurant.menus ORDER BY id LIMIT 1')).rows as {
      id: number;
      price: number;
    }[];
    const before = await stockOf(menu.id);
    const response = await request<{
      id: number;
      status: string;
      total: number;
      items: { menu_id: number; quantity: number; unit_price: number }[];
    }>(`${orderUrl}/orders`, {
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'bare-smoke-1' },
      body: { items: [{ menu_id: menu.id, quantity: 2 }], address: 'bench street 1', phone: '010-1234-5678' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'CONFIRMED', total: 2 * menu.price });
    expect(response.body.items).toEqual([
      expect.objectContaining({ menu_id: menu.id, quantity: 2, unit_price: menu.price }),
    ]);
    expect(await stockOf(menu.id)).toBe(before - 2);
    const row = (await pg.query('SELECT status, total FROM "order".orders WHERE id = $1', [response.body.id]))
      .rows[0] as { status: string; total: string };
    expect(row).toEqual({ status: 'CONFIRMED', total: String(2 * menu.price) });

    // The order service's own audit counts this order: committed by its worker, no oversell, no lost stock.
    const audit = await waitFor(
      'the order audit to settle',
      async () => {
        const res = await request<{ ok: boolean; settled: boolean }>(`${serviceOrderUrl}/orders/audit`);
        return res.body.settled ? res.body : null;
      },
      { timeoutMs: 30_000 },
    );
    expect(audit.ok).toBe(true);
    const reservation = (
      await pg.query('SELECT status FROM restaurant.reservations WHERE order_id = $1', [
        String(response.body.id),
      ])
    ).rows[0] as { status: string };
    expect(reservation.status).toBe('committed');
  });

  it('with MAX_IN_FLIGHT, refuses beyond the cap with the services’ 503 and always answers its probe', async () => {
    // A user role that never answers holds the admitted order in flight.
    const { createServer } = await import('node:http');
    const held: import('node:http').ServerResponse[] = [];
    const silent = createServer((_req, res) => void held.push(res));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as import('node:net').AddressInfo;
    try {
      const capped = await startBare('order', {
        USER_URL: `http://127.0.0.1:${port}`,
        RESTAURANT_URL: `http://127.0.0.1:${port}`,
        MAX_IN_FLIGHT: '1',
      });
      const body = {
        items: [{ menu_id: 1, quantity: 1 }],
        address: 'bench street 1',
        phone: '010-1234-5678',
      };
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const first = fetch(`${capped}/orders`, { method: 'POST', headers, body: JSON.stringify(body) });
      await waitFor('the first order to reach the user role', () => Promise.resolve(held.length > 0 || null));
      const refused = await fetch(`${capped}/orders`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ statusCode: 503, code: 'OVERLOADED' });
      expect((await fetch(`${capped}/health/live`)).status).toBe(200);
      for (const res of held) res.destroy();
      await first.catch(() => undefined);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
