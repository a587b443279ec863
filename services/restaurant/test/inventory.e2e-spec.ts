import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemotePeer, remotePeerUnavailable, request } from '@food-delivery/testing';
import { Client } from 'pg';
import { ADMIN_KEY, startRestaurantKit, type RestaurantKit } from './support';

describe('restaurant service: inventory under row locks (real Postgres + Redis, real HTTP)', () => {
  let kit: RestaurantKit;
  let url: string;

  const put = (path: string, body: unknown, token: string | undefined = kit.token) =>
    request(`${url}/inventory/${path}`, { method: 'PUT', body, token });
  const adjustments = async () =>
    Number((await kit.pg.query('SELECT count(*) FROM restaurant.stock_adjustments')).rows[0].count);
  const lockTimings = (header: string | null) => {
    const match = /lock-wait;dur=([\d.]+), lock-hold;dur=([\d.]+)/.exec(header ?? '');
    return match ? { wait: Number(match[1]), hold: Number(match[2]) } : null;
  };
  /** Holds a menu row lock from another connection, like a slow concurrent transaction. */
  const holdRowLock = async (menuId: number) => {
    const client = new Client({ connectionString: kit.stack.db.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT id FROM restaurant.menus WHERE id = $1 FOR UPDATE', [menuId]);
    return {
      release: async () => {
        await client.query('COMMIT');
        await client.end();
      },
    };
  };

  before(async () => {
    kit = await startRestaurantKit('inventory');
    url = kit.service.url;
  });

  after(() => kit?.close());

  describe('PUT /inventory/{menuId}', () => {
    it('moves no stock for a user token: only services and operators (scope inventory:write)', async () => {
      await kit.resetStock(100_000, [7]);
      const [stockBefore, adjustmentsBefore] = [await kit.stock(7), await adjustments()];
      const restore = await put('7/restore', { quantity: 1_000_000 }, kit.userToken);
      const decrease = await put('7', { quantity: 100 }, kit.userToken);
      for (const res of [restore, decrease]) {
        expect([res.status, res.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
      }
      expect([await kit.stock(7), await adjustments()]).toEqual([stockBefore, adjustmentsBefore]);
      expect((await put('7', { quantity: 1 }, kit.operatorToken)).status).toBe(200);
      expect((await put('7/restore', { quantity: 1 }, kit.token)).status).toBe(200);
      expect(await kit.stock(7)).toBe(stockBefore);
      const actors = await kit.pg.query(
        'SELECT actor FROM restaurant.stock_adjustments ORDER BY id DESC LIMIT 2',
      );
      expect(actors.rows.map((row) => row.actor)).toEqual(['service:order-service', 'operator:9000']);
    });

    it('200 concurrent decrements of 1 with stock 50: exactly 50 succeed, 150 get 409, stock ends at 0', async () => {
      await kit.resetStock(50, [1]);
      const results = await Promise.all(Array.from({ length: 200 }, () => put('1', { quantity: 1 })));
      const ok = results.filter((r) => r.status === 200);
      const conflicts = results.filter((r) => r.status === 409);
      expect([ok.length, conflicts.length]).toEqual([50, 150]);
      expect(conflicts.every((r) => r.body.code === 'INSUFFICIENT_STOCK')).toBe(true);
      // Each success saw a different stock level: the decrements were serialised by the row lock.
      expect(ok.map((r) => r.body.remaining_inventory).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i),
      );
      expect(await kit.stock(1)).toBe(0);

      const menu = await request(`${url}/menus/1`);
      expect([menu.body.inventory, menu.body.is_available]).toEqual([0, false]);
      expect((await kit.audit()).ok).toBe(true);
    });

    it('answers INSUFFICIENT_STOCK naming the menu and the numbers, and changes nothing', async () => {
      await kit.resetStock(3, [5]);
      const res = await put('5', { quantity: 4 });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'INSUFFICIENT_STOCK', traceId: expect.any(String) });
      expect(res.body.message).toMatch(/menu 5 "Crispy Fried Chicken": requested 4, in stock 3/);
      expect(await kit.stock(5)).toBe(3);
      const exact = await put('5', { quantity: 3 });
      expect(exact.body).toEqual({
        menu_id: 5,
        name: 'Crispy Fried Chicken',
        quantity: 3,
        previous_inventory: 3,
        remaining_inventory: 0,
        is_available: false,
      });
      expect(lockTimings(exact.headers.get('server-timing'))).not.toBeNull();
    });

    it('restore puts units back and flips available back on; the audit accounts for both', async () => {
      await kit.resetStock(0, [6]);
      const restored = await put('6/restore', { quantity: 5 });
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({
        menu_id: 6,
        previous_inventory: 0,
        remaining_inventory: 5,
        is_available: true,
      });
      expect((await request(`${url}/menus/6`)).body.is_available).toBe(true);
      expect((await put('6', { quantity: 2 })).body.remaining_inventory).toBe(3);
      const audit = await kit.audit();
      expect(audit.ok).toBe(true);
      expect(audit.menus.find((m: any) => m.menu_id === 6)).toMatchObject({
        initial_stock: 3,
        stock: 3,
        adjustments: { restore: 5, decrease: -2 },
        ok: true,
      });
    });

    it('refuses a restore beyond the stock limit', async () => {
      await kit.resetStock(999_999_999, [7]);
      const res = await put('7/restore', { quantity: 2 });
      expect([res.status, res.body.code]).toEqual([409, 'STOCK_LIMIT_EXCEEDED']);
      expect(await kit.stock(7)).toBe(999_999_999);
      await kit.resetStock(100, [7]);
    });

    const badBodies: [string, { body?: unknown; raw?: string; headers?: Record<string, string> }][] = [
      ['a negative quantity', { body: { quantity: -1 } }],
      ['a zero quantity', { body: { quantity: 0 } }],
      ['a huge quantity', { body: { quantity: 1e12 } }],
      ['a quantity above the limit', { body: { quantity: 1_000_001 } }],
      ['a fractional quantity', { body: { quantity: 1.5 } }],
      ['a numeric string', { body: { quantity: '1' } }],
      ['null', { body: { quantity: null } }],
      ['no quantity', { body: {} }],
      ['no body', {}],
      ['extra fields', { body: { quantity: 1, price: 0 } }],
      ['a JSON array', { body: [{ quantity: 1 }] }],
      ['invalid JSON', { raw: '{"quantity": ', headers: { 'content-type': 'application/json' } }],
    ];

    for (const [name, init] of badBodies) {
      it(`rejects ${name} with 400 and changes nothing (decrease and restore)`, async () => {
        const stockBefore = await kit.stock(8);
        const ledgerBefore = await adjustments();
        for (const path of ['8', '8/restore']) {
          const res = await request(`${url}/inventory/${path}`, { method: 'PUT', token: kit.token, ...init });
          expect([path, res.status]).toEqual([path, 400]);
          expect(res.body.code).toMatch(/^(VALIDATION_FAILED|INVALID_JSON)$/);
        }
        expect(await kit.stock(8)).toBe(stockBefore);
        expect(await adjustments()).toBe(ledgerBefore);
      });
    }

    it('answers 404 for an unknown menu and 400 INVALID_ID for malformed ids, changing nothing', async () => {
      const ledgerBefore = await adjustments();
      for (const path of ['999999', '999999/restore']) {
        const res = await put(path, { quantity: 1 });
        expect([res.status, res.body.code]).toEqual([404, 'MENU_NOT_FOUND']);
      }
      for (const bad of ['abc', '-1', '0', '1.5', '99999999999', '1e3']) {
        const res = await put(bad, { quantity: 1 });
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'INVALID_ID']);
      }
      expect(await adjustments()).toBe(ledgerBefore);
      expect((await kit.audit()).ok).toBe(true);
    });
  });

  describe('authentication', () => {
    const writes: [string, string, unknown][] = [
      ['PUT', '/inventory/2', { quantity: 1 }],
      ['PUT', '/inventory/2/restore', { quantity: 1 }],
      ['POST', '/inventory/reservations', { order_id: 1, items: [{ menu_id: 2, quantity: 1 }] }],
      ['GET', '/inventory/reservations', undefined],
      ['GET', '/inventory/reservations/1', undefined],
      ['DELETE', '/inventory/reservations/1', undefined],
      ['POST', '/inventory/reservations/1/commit', undefined],
      ['POST', '/inventory/reservations/1/cancel', undefined],
    ];

    it('answers 401 to anonymous callers and bad tokens, and moves nothing', async () => {
      const stockBefore = await kit.stock(2);
      const expired = kit.tokens.sign({ id: 1, username: 'user' }, { expiresInSeconds: -60 });
      const cases: [Record<string, string>, string][] = [
        [{}, 'TOKEN_MISSING'],
        [{ authorization: 'Bearer not-a-jwt' }, 'TOKEN_INVALID'],
        [{ authorization: `Bearer ${expired}` }, 'TOKEN_EXPIRED'],
      ];
      for (const [method, path, body] of writes) {
        for (const [headers, code] of cases) {
          const res = await request(`${url}${path}`, { method, body, headers });
          expect([method, path, res.status, res.body.code]).toEqual([method, path, 401, code]);
          expect(res.headers.get('www-authenticate')).toBe('Bearer');
        }
      }
      expect(await kit.stock(2)).toBe(stockBefore);
      const reservations = await kit.pg.query('SELECT count(*) FROM restaurant.reservations');
      expect(Number(reservations.rows[0].count)).toBe(0);
    });

    it('serves menus, restaurants and the audit without a token', async () => {
      for (const path of ['/menus', '/menus/1', '/restaurants', '/restaurants/1', '/inventory/audit']) {
        expect([path, (await request(`${url}${path}`)).status]).toEqual([path, 200]);
      }
    });
  });

  describe('locking', () => {
    it('a decrement waits for the row lock of its menu only', async () => {
      const lock = await holdRowLock(3);
      try {
        let settled = false;
        const blocked = put('3', { quantity: 1 }).finally(() => (settled = true));
        const started = Date.now();
        const other = await put('4', { quantity: 1 });
        expect(other.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(250);
        await sleep(300);
        expect(settled).toBe(false);
        await lock.release();
        const res = await blocked;
        expect(res.status).toBe(200);
        expect(lockTimings(res.headers.get('server-timing'))!.wait).toBeGreaterThanOrEqual(250);
      } finally {
        await lock.release().catch(() => undefined);
      }
    });

    it('gives up on a lock held too long with 503 INVENTORY_BUSY and changes nothing', async () => {
      const impatient = await kit.start({ INVENTORY_LOCK_TIMEOUT_MS: '300', SEED_CATALOGUE: 'false' });
      const lock = await holdRowLock(9);
      try {
        const stockBefore = await kit.stock(9);
        const started = Date.now();
        const res = await request(`${impatient.url}/inventory/9`, {
          method: 'PUT',
          body: { quantity: 1 },
          token: kit.token,
        });
        expect([res.status, res.body.code]).toEqual([503, 'INVENTORY_BUSY']);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(Date.now() - started).toBeLessThan(2000);
        expect(await kit.stock(9)).toBe(stockBefore);
      } finally {
        await lock.release();
        await impatient.close();
      }
    });
    it('keeps connections for reads while inventory updates pile up on a locked row, and sheds the excess', async () => {
      // Pool of 3 → one inventory transaction at a time, two queued, the rest refused.
      const small = await kit.start({
        DATABASE_POOL_MAX: '3',
        INVENTORY_QUEUE_MAX: '2',
        SEED_CATALOGUE: 'false',
      });
      const lock = await holdRowLock(14);
      try {
        const stockBefore = await kit.stock(14);
        const updates = Array.from({ length: 3 }, () =>
          request(`${small.url}/inventory/14`, { method: 'PUT', body: { quantity: 1 }, token: kit.token }),
        );
        await sleep(100);
        const started = Date.now();
        const shed = await request(`${small.url}/inventory/15`, {
          method: 'PUT',
          body: { quantity: 1 },
          token: kit.token,
        });
        expect([shed.status, shed.body.code]).toEqual([503, 'INVENTORY_BUSY']);
        expect((await request(`${small.url}/menus/16`)).status).toBe(200);
        expect((await request(`${small.url}/inventory/audit`)).status).toBe(200);
        expect((await request(`${small.url}/health/ready`)).status).toBe(200);
        expect(Date.now() - started).toBeLessThan(1000);
        await lock.release();
        const done = await Promise.all(updates);
        expect(done.map((r) => r.status)).toEqual([200, 200, 200]);
        expect(await kit.stock(14)).toBe(stockBefore - 3);
      } finally {
        await lock.release().catch(() => undefined);
        await small.close();
      }
    });
  });

  describe('POST /admin/stock/reset', () => {
    const reset = (
      body: unknown,
      headers: Record<string, string> = { 'x-admin-key': ADMIN_KEY },
      base = url,
    ) => request(`${base}/admin/stock/reset`, { body, headers });

    it('is open to the operator at the machine (loopback), and off with ADMIN_ENABLED=false', async () => {
      expect((await reset({ stock: 100_000 }, {})).status).toBe(200);
      const noAdmin = await kit.start({ ADMIN_ENABLED: 'false', SEED_CATALOGUE: 'false' });
      try {
        const res = await reset({ stock: 1 }, { 'x-admin-key': ADMIN_KEY }, noAdmin.url);
        expect([res.status, res.body.code]).toEqual([403, 'ADMIN_DISABLED']);
      } finally {
        await noAdmin.close();
      }
    });

    it(
      'from another host: needs the admin key or an operator token, never a user or service token',
      { skip: remotePeerUnavailable() ?? false },
      async () => {
        const peer = await createRemotePeer();
        const exposed = await kit.start({ HOST: '0.0.0.0', SEED_CATALOGUE: 'false' });
        try {
          const remote = `${exposed.url.replace('127.0.0.1', peer.hostAddress)}/admin/stock/reset`;
          const before = await kit.stocks();
          const refused: [string, Record<string, string>, number, string][] = [
            ['nothing', {}, 401, 'ADMIN_KEY_REQUIRED'],
            ['a wrong key', { 'x-admin-key': 'wrong-key-wrong-key' }, 401, 'ADMIN_KEY_INVALID'],
            ['a user token', { authorization: `Bearer ${kit.userToken}` }, 403, 'INSUFFICIENT_SCOPE'],
            ['a service token', { authorization: `Bearer ${kit.token}` }, 403, 'INSUFFICIENT_SCOPE'],
            [
              'a spoofed X-Real-IP',
              { 'x-real-ip': '127.0.0.1', 'x-forwarded-for': '127.0.0.1' },
              401,
              'ADMIN_KEY_REQUIRED',
            ],
          ];
          for (const [what, headers, status, code] of refused) {
            const res = await peer.request(remote, { body: { stock: 7 }, headers });
            expect([what, res.status, res.body.code]).toEqual([what, status, code]);
          }
          expect(await kit.stocks()).toEqual(before);
          const byKey = await peer.request(remote, {
            body: { stock: 100_000 },
            headers: { 'x-admin-key': ADMIN_KEY },
          });
          expect(byKey.status).toBe(200);
          const byOperator = await peer.request(remote, {
            body: { stock: 100_000 },
            headers: { authorization: `Bearer ${kit.operatorToken}` },
          });
          expect(byOperator.status).toBe(200);
        } finally {
          await exposed.close();
          await peer.remove();
        }
      },
    );

    it('refuses to start in production beyond loopback without ADMIN_API_KEY', async () => {
      await expect(
        kit.start({
          NODE_ENV: 'production',
          HOST: '0.0.0.0',
          CHAOS_API_KEY: 'restaurant-chaos-key',
          ADMIN_API_KEY: '',
          SEED_CATALOGUE: 'false',
        }),
      ).rejects.toThrow(/ADMIN_API_KEY: required in production when the service listens beyond loopback/);
    });

    it('sets the stock of every menu, recorded so the audit holds with reservations in flight', async () => {
      const held = await request(`${url}/inventory/reservations`, {
        body: { order_id: 'reset-1', items: [{ menu_id: 10, quantity: 4 }] },
        token: kit.token,
      });
      expect(held.status).toBe(201);
      const res = await reset({ stock: 100_000 });
      expect(res.status).toBe(200);
      expect(res.body.menus.length).toBeGreaterThanOrEqual(20);
      expect([...(await kit.stocks()).values()].every((stock) => stock === 100_000)).toBe(true);
      expect((await request(`${url}/menus/10`)).body.inventory).toBe(100_000);
      expect((await kit.audit()).ok).toBe(true);

      // Releasing the reservation made before the reset adds its units on top, and the invariant still holds.
      await request(`${url}/inventory/reservations/reset-1`, { method: 'DELETE', token: kit.token });
      expect(await kit.stock(10)).toBe(100_004);
      expect((await kit.audit()).ok).toBe(true);
    });

    it('rejects bad input and unknown menus without changing anything', async () => {
      const before = await kit.stocks();
      for (const body of [
        {},
        { stock: -1 },
        { stock: 1.5 },
        { stock: '10' },
        { stock: 1e10 },
        { stock: 5, menu_ids: [] },
        { stock: 5, menu_ids: [0] },
        { stock: 5, menu_ids: [1, 1] },
        { stock: 5, extra: true },
      ]) {
        const res = await reset(body);
        expect([JSON.stringify(body), res.status, res.body.code]).toEqual([
          JSON.stringify(body),
          400,
          'VALIDATION_FAILED',
        ]);
      }
      const unknown = await reset({ stock: 5, menu_ids: [1, 424242] });
      expect([unknown.status, unknown.body.code]).toEqual([404, 'MENU_NOT_FOUND']);
      expect(await kit.stocks()).toEqual(before);
    });
  });
});
