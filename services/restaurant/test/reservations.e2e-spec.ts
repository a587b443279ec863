import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { Scope } from '@food-delivery/auth';
import { request } from '@food-delivery/testing';
import { shuffled, startRestaurantKit, type RestaurantKit } from './support';

interface Item {
  menu_id: number;
  quantity: number;
}

describe('restaurant service: reservations for the order service (real Postgres + Redis, real HTTP)', () => {
  let kit: RestaurantKit;
  let url: string;
  let prices: Map<number, number>;

  const reserve = (order_id: unknown, items: unknown, token: string = kit.token) =>
    request(`${url}/inventory/reservations`, { body: { order_id, user_id: 1, items }, token });
  const release = (orderId: string | number) =>
    request(`${url}/inventory/reservations/${orderId}`, { method: 'DELETE', token: kit.token });
  const commit = (orderId: string | number) =>
    request(`${url}/inventory/reservations/${orderId}/commit`, { method: 'POST', token: kit.token });
  const cancel = (orderId: string | number) =>
    request(`${url}/inventory/reservations/${orderId}/cancel`, { method: 'POST', token: kit.token });
  const commitMany = (body: unknown, token: string = kit.token) =>
    request(`${url}/inventory/reservations/commits`, { body, token });
  const get = (orderId: string | number) =>
    request(`${url}/inventory/reservations/${orderId}`, { token: kit.token });
  const ledgerRows = async () =>
    Number((await kit.pg.query('SELECT count(*) FROM restaurant.reservations')).rows[0].count);
  const expectAuditOk = async () => {
    const audit = await kit.audit();
    expect(audit.violations).toEqual([]);
    expect(audit.ok).toBe(true);
    return audit;
  };

  before(async () => {
    kit = await startRestaurantKit('reservations');
    url = kit.service.url;
    const menus = (await request(`${url}/menus`)).body as { id: number; price: number }[];
    prices = new Map(menus.map((menu) => [menu.id, menu.price]));
  });

  after(() => kit?.close());

  describe("trust: the ledger is the order service's", () => {
    it('refuses every ledger call with a user token, and moves nothing', async () => {
      await kit.resetStock(100, [4]);
      const placed = await reserve('victim-1', [{ menu_id: 4, quantity: 2 }]);
      expect(placed.status).toBe(201);
      const [rowsBefore, stockBefore] = [await ledgerRows(), await kit.stock(4)];
      const asUser = kit.userToken;
      const attempts = [
        request(`${url}/inventory/reservations`, {
          body: { order_id: 'invented-1', items: [{ menu_id: 4, quantity: 10 }] },
          token: asUser,
        }),
        // The tombstone attack: releasing order ids that do not exist yet would fail future orders.
        request(`${url}/inventory/reservations/999001`, { method: 'DELETE', token: asUser }),
        request(`${url}/inventory/reservations/victim-1`, { method: 'DELETE', token: asUser }),
        request(`${url}/inventory/reservations/victim-1/cancel`, { method: 'POST', token: asUser }),
        request(`${url}/inventory/reservations/victim-1/commit`, { method: 'POST', token: asUser }),
        request(`${url}/inventory/reservations/commits`, {
          body: { order_ids: ['victim-1'] },
          token: asUser,
        }),
        request(`${url}/inventory/reservations`, { token: asUser }),
        request(`${url}/inventory/reservations/victim-1`, { token: asUser }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect([res.status, res.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
      }
      expect([await ledgerRows(), await kit.stock(4)]).toEqual([rowsBefore, stockBefore]);
      expect((await get('victim-1')).body.status).toBe('active');
      expect((await get(999001)).status).toBe(404); // no tombstone
      expect((await release('victim-1')).status).toBe(200);
    });

    it('lets an operator read the ledger but not change it', async () => {
      const token = kit.operatorToken;
      expect((await request(`${url}/inventory/reservations?status=active`, { token })).status).toBe(200);
      expect((await request(`${url}/inventory/reservations/victim-1`, { token })).status).toBe(200);
      const write = await request(`${url}/inventory/reservations/999002`, { method: 'DELETE', token });
      expect([write.status, write.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
      expect((await get(999002)).status).toBe(404);
    });

    it('refuses a service without the ledger scope, and needs a token at all', async () => {
      const other = kit.tokens.service('load-generator', [Scope.UsersValidate, Scope.InventoryWrite]);
      const res = await reserve('other-1', [{ menu_id: 4, quantity: 1 }], other);
      expect([res.status, res.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
      const anonymous = await request(`${url}/inventory/reservations/999003`, { method: 'DELETE' });
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'TOKEN_MISSING']);
    });
  });

  describe('reserve', () => {
    it('reserves every item at the menu prices and answers 201 with the reservation', async () => {
      await kit.resetStock(100, [2, 3]);
      const res = await reserve(1001, [
        { menu_id: 3, quantity: 1 },
        { menu_id: 2, quantity: 2 },
      ]);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        order_id: '1001',
        status: 'active',
        outcome: 'reserved',
        items: [
          { menu_id: 2, name: 'Kimchi Jjigae', quantity: 2, unit_price: 8500, line_total: 17000 },
          { menu_id: 3, name: 'Bulgogi Set', quantity: 1, unit_price: 13000, line_total: 13000 },
        ],
        total_price: 30000,
        currency: 'KRW',
        user_id: 1,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        committed_at: null,
        released_at: null,
      });
      expect([await kit.stock(2), await kit.stock(3)]).toEqual([98, 99]);
      const fetched = await get(1001);
      expect(fetched.status).toBe(200);
      const { outcome: _outcome, ...stored } = res.body;
      expect(fetched.body).toEqual(stored);
      const audit = await expectAuditOk();
      expect(audit.menus.find((m: any) => m.menu_id === 2)).toMatchObject({ reserved_active: 2, stock: 98 });
    });

    it('takes prices from the menus only: a client-sent price is rejected', async () => {
      const res = await reserve(1002, [{ menu_id: 2, quantity: 1, unit_price: 1 }]);
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.body.message).toMatch(/items\.0\.property unit_price should not exist|unit_price/);
    });

    it('returns the same reservation for a repeated request (200 replayed), also for "42" vs 42, moving nothing', async () => {
      const items = [{ menu_id: 2, quantity: 1 }];
      const first = await reserve(42, items);
      expect(first.status).toBe(201);
      const stock = await kit.stock(2);
      const again = await reserve('42', items);
      expect(again.status).toBe(200);
      expect(again.body.outcome).toBe('replayed');
      const { outcome: _a, ...a } = first.body;
      const { outcome: _b, ...b } = again.body;
      expect(b).toEqual(a);
      expect(await kit.stock(2)).toBe(stock);
    });

    it('answers a retry with the reservation it made even after the stock ran out', async () => {
      await kit.resetStock(2, [6]);
      const items = [{ menu_id: 6, quantity: 2 }];
      expect((await reserve('sold-1', items)).status).toBe(201);
      expect(await kit.stock(6)).toBe(0);
      const again = await reserve('sold-1', items);
      expect([again.status, again.body.outcome, again.body.status]).toEqual([200, 'replayed', 'active']);
      const other = await reserve('sold-2', items);
      expect([other.status, other.body.code]).toEqual([409, 'INSUFFICIENT_STOCK']);
      expect(await kit.stock(6)).toBe(0);
      await expectAuditOk();
    });

    it('handles the same reservation sent 5 times concurrently: stock moves once', async () => {
      await kit.resetStock(50, [4, 5]);
      const items = [
        { menu_id: 5, quantity: 3 },
        { menu_id: 4, quantity: 2 },
      ];
      const results = await Promise.all(Array.from({ length: 5 }, () => reserve('race-1', shuffled(items))));
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(results.filter((r) => r.body.outcome === 'replayed')).toHaveLength(4);
      expect(new Set(results.map((r) => JSON.stringify(r.body.items))).size).toBe(1);
      expect([await kit.stock(4), await kit.stock(5)]).toEqual([48, 47]);
      await expectAuditOk();
    });

    it('refuses the same order id with different items (409 RESERVATION_MISMATCH), moving nothing', async () => {
      const stock = await kit.stock(2);
      const res = await reserve(42, [{ menu_id: 2, quantity: 2 }]);
      expect([res.status, res.body.code]).toEqual([409, 'RESERVATION_MISMATCH']);
      const other = await reserve(42, [
        { menu_id: 2, quantity: 1 },
        { menu_id: 3, quantity: 1 },
      ]);
      expect(other.body.code).toBe('RESERVATION_MISMATCH');
      expect(await kit.stock(2)).toBe(stock);
    });

    it('is all or nothing: 409 INSUFFICIENT_STOCK names the short item and nothing is reserved or recorded', async () => {
      await kit.resetStock(10, [6]);
      await kit.resetStock(1, [7]);
      const rows = await ledgerRows();
      const res = await reserve('short-1', [
        { menu_id: 6, quantity: 5 },
        { menu_id: 7, quantity: 2 },
      ]);
      expect([res.status, res.body.code]).toEqual([409, 'INSUFFICIENT_STOCK']);
      expect(res.body.message).toContain('menu 7 "Soy Garlic Chicken": requested 2, in stock 1');
      expect(res.body.message).not.toContain('menu 6');
      expect(res.body.details).toEqual(['menu 7 "Soy Garlic Chicken": requested 2, in stock 1']);
      expect([await kit.stock(6), await kit.stock(7)]).toEqual([10, 1]);
      expect(await ledgerRows()).toBe(rows);
      expect((await get('short-1')).status).toBe(404);
      // Nothing was recorded, so the same order id may try again once there is stock.
      await kit.resetStock(5, [7]);
      const retry = await reserve('short-1', [
        { menu_id: 6, quantity: 5 },
        { menu_id: 7, quantity: 2 },
      ]);
      expect(retry.status).toBe(201);
      await expectAuditOk();
    });

    it('answers 404 MENU_NOT_FOUND naming unknown menus, reserving nothing', async () => {
      const stock = await kit.stock(2);
      const rows = await ledgerRows();
      const res = await reserve('unknown-menu', [
        { menu_id: 2, quantity: 1 },
        { menu_id: 777777, quantity: 1 },
      ]);
      expect([res.status, res.body.code]).toEqual([404, 'MENU_NOT_FOUND']);
      expect(res.body.message).toContain('777777');
      expect(await kit.stock(2)).toBe(stock);
      expect(await ledgerRows()).toBe(rows);
    });
  });

  describe('release, commit and cancel', () => {
    it('release twice: stock is restored once, the second is a 200 no-op', async () => {
      await kit.resetStock(20, [8]);
      expect((await reserve('rel-1', [{ menu_id: 8, quantity: 4 }])).status).toBe(201);
      expect(await kit.stock(8)).toBe(16);
      const first = await release('rel-1');
      expect([first.status, first.body.outcome, first.body.status]).toEqual([200, 'released', 'released']);
      expect(first.body.released_at).toEqual(expect.any(String));
      const second = await release('rel-1');
      expect([second.status, second.body.outcome]).toEqual([200, 'already_released']);
      expect(await kit.stock(8)).toBe(20);
      // A reserve that arrives after the release (a late retry) is refused and moves nothing.
      const late = await reserve('rel-1', [{ menu_id: 8, quantity: 4 }]);
      expect([late.status, late.body.code]).toEqual([409, 'RESERVATION_RELEASED']);
      expect((await commit('rel-1')).body.code).toBe('RESERVATION_RELEASED');
      expect(await kit.stock(8)).toBe(20);
      await expectAuditOk();
    });

    it('concurrent releases restore once', async () => {
      await kit.resetStock(20, [8]);
      await reserve('rel-2', [{ menu_id: 8, quantity: 5 }]);
      const results = await Promise.all(Array.from({ length: 6 }, () => release('rel-2')));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(results.filter((r) => r.body.outcome === 'released')).toHaveLength(1);
      expect(await kit.stock(8)).toBe(20);
    });

    it('commit then release: the release is refused (409) and the stock stays consumed', async () => {
      await kit.resetStock(20, [9]);
      await reserve('com-1', [{ menu_id: 9, quantity: 3 }]);
      const committed = await commit('com-1');
      expect([committed.status, committed.body.outcome, committed.body.status]).toEqual([
        200,
        'committed',
        'committed',
      ]);
      expect(committed.body.committed_at).toEqual(expect.any(String));
      expect((await commit('com-1')).body.outcome).toBe('already_committed');
      const refused = await release('com-1');
      expect([refused.status, refused.body.code]).toEqual([409, 'RESERVATION_COMMITTED']);
      expect(await kit.stock(9)).toBe(17);
      // Replaying the original reserve returns the committed reservation, still moving nothing.
      const replay = await reserve('com-1', [{ menu_id: 9, quantity: 3 }]);
      expect([replay.status, replay.body.status]).toEqual([200, 'committed']);
      expect(await kit.stock(9)).toBe(17);
      const audit = await expectAuditOk();
      expect(audit.menus.find((m: any) => m.menu_id === 9)).toMatchObject({ reserved_committed: 3 });
    });

    it('cancel gives the stock of a committed reservation back exactly once', async () => {
      await kit.resetStock(20, [10]);
      await reserve('can-1', [{ menu_id: 10, quantity: 6 }]);
      await commit('can-1');
      const results = await Promise.all([cancel('can-1'), cancel('can-1'), cancel('can-1')]);
      expect(results.map((r) => r.body.outcome).sort()).toEqual([
        'already_cancelled',
        'already_cancelled',
        'cancelled',
      ]);
      expect(await kit.stock(10)).toBe(20);
      expect((await release('can-1')).body.outcome).toBe('already_cancelled');
      expect((await commit('can-1')).body.code).toBe('RESERVATION_RELEASED');
      // cancel of an active reservation releases it.
      await reserve('can-2', [{ menu_id: 10, quantity: 1 }]);
      expect((await cancel('can-2')).body).toMatchObject({ outcome: 'released', status: 'released' });
      expect(await kit.stock(10)).toBe(20);
      await expectAuditOk();
    });

    it('a racing commit and release: exactly one wins and the invariant holds', async () => {
      await kit.resetStock(100, [11]);
      for (let round = 0; round < 5; round++) {
        const id = `duel-${round}`;
        await reserve(id, [{ menu_id: 11, quantity: 2 }]);
        const results = await Promise.all(
          shuffled([commit(id), release(id), commit(id), release(id)].map((p) => p)),
        );
        const outcomes = results.map((r) => r.body.outcome ?? r.body.code);
        const committedWon = outcomes.includes('committed');
        const releasedWon = outcomes.includes('released');
        expect(committedWon !== releasedWon).toBe(true);
        const final = (await get(id)).body.status;
        expect(final).toBe(committedWon ? 'committed' : 'released');
      }
      await expectAuditOk();
    });

    it('takes commit, cancel and release with Content-Type: application/json and no body, or {} (bodiless POSTs)', async () => {
      const bodiless = (method: string, path: string, headers: Record<string, string>, body?: string) =>
        fetch(`${url}/inventory/reservations/${path}`, {
          method,
          headers: { authorization: `Bearer ${kit.token}`, ...headers },
          body,
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as { outcome?: string } }));
      const json = { 'content-type': 'application/json' };
      await reserve('bodiless-1', [{ menu_id: 19, quantity: 1 }]);
      await reserve('bodiless-2', [{ menu_id: 19, quantity: 1 }]);
      const committed = await bodiless('POST', 'bodiless-1/commit', json);
      expect([committed.status, committed.body.outcome]).toEqual([200, 'committed']);
      const cancelled = await bodiless('POST', 'bodiless-1/cancel', json, '{}');
      expect([cancelled.status, cancelled.body.outcome]).toEqual([200, 'cancelled']);
      const released = await bodiless('DELETE', 'bodiless-2', { 'content-type': 'text/plain' }, '');
      expect([released.status, released.body.outcome]).toEqual([200, 'released']);
      await expectAuditOk();
    });

    it('releasing or cancelling an unknown order is a 200 no-op that says so, and blocks a late reserve', async () => {
      const stock = await kit.stock(12);
      const res = await release(555001);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        order_id: '555001',
        outcome: 'not_found',
        status: 'released',
        items: [],
      });
      expect((await release(555001)).body.outcome).toBe('already_released');
      expect((await cancel('555002')).body.outcome).toBe('not_found');
      const late = await reserve(555001, [{ menu_id: 12, quantity: 1 }]);
      expect([late.status, late.body.code]).toEqual([409, 'RESERVATION_RELEASED']);
      expect(await kit.stock(12)).toBe(stock);
      expect((await commit(555003)).body.code).toBe('RESERVATION_NOT_FOUND');
      expect((await get(555003)).status).toBe(404);
      await expectAuditOk();
    });
  });

  describe('batch commit (POST /inventory/reservations/commits)', () => {
    it('commits many reservations in one call and says, per order id, what happened', async () => {
      await kit.resetStock(50, [19]);
      for (const id of ['bat-1', 'bat-2', 'bat-3', 'bat-4'])
        await reserve(id, [{ menu_id: 19, quantity: 2 }]);
      await commit('bat-3');
      await release('bat-2');
      const res = await commitMany({ order_ids: ['bat-1', 'bat-2', 'bat-3', 'bat-4', 'bat-404'] });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([
        { order_id: 'bat-1', result: 'committed' },
        { order_id: 'bat-2', result: 'RESERVATION_RELEASED' },
        { order_id: 'bat-3', result: 'already_committed' },
        { order_id: 'bat-4', result: 'committed' },
        { order_id: 'bat-404', result: 'RESERVATION_NOT_FOUND' },
      ]);
      for (const id of ['bat-1', 'bat-3', 'bat-4']) {
        expect((await get(id)).body).toMatchObject({ status: 'committed', committed_at: expect.any(String) });
      }
      // Committing moves no stock; a committed reservation can no longer be released.
      expect(await kit.stock(19)).toBe(44);
      expect((await release('bat-1')).body.code).toBe('RESERVATION_COMMITTED');
      // Idempotent: the same batch again changes nothing.
      const again = await commitMany({ order_ids: ['bat-1', 'bat-4'] });
      expect(again.body.results.map((r: { result: string }) => r.result)).toEqual([
        'already_committed',
        'already_committed',
      ]);
      const audit = await expectAuditOk();
      expect(audit.menus.find((m: any) => m.menu_id === 19)).toMatchObject({ reserved_committed: 6 });
    });

    it('needs a token and rejects bad batches with 400, committing nothing', async () => {
      await reserve('bat-bad', [{ menu_id: 19, quantity: 1 }]);
      expect((await commitMany({ order_ids: ['bat-bad'] }, '')).status).toBe(401);
      for (const body of [
        {},
        { order_ids: [] },
        { order_ids: 'bat-bad' },
        { order_ids: ['bat-bad', 'bat-bad'] },
        { order_ids: ['bat-bad', 'bad key'] },
        { order_ids: ['bat-bad', 42] },
        { order_ids: Array.from({ length: 501 }, (_, i) => `bat-${i}`) },
        { order_ids: ['bat-bad'], extra: true },
      ]) {
        const res = await commitMany(body);
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
      expect((await get('bat-bad')).body.status).toBe('active');
    });
  });

  describe('under contention', () => {
    it('100 concurrent multi-item reservations over overlapping menus, in random item order: no deadlock, invariant holds', async () => {
      const menuIds = [13, 14, 15, 16, 17, 18];
      const initial = 60;
      await kit.resetStock(initial, menuIds);
      const orders = Array.from({ length: 100 }, (_, i) => {
        const picked = shuffled(menuIds).slice(0, 2 + (i % 3));
        return {
          id: `bulk-${i}`,
          items: picked.map((menu_id) => ({ menu_id, quantity: 1 + ((i + menu_id) % 3) })),
        };
      });
      const results = await Promise.all(orders.map((order) => reserve(order.id, shuffled(order.items))));

      const statuses = results.map((r) => `${r.status} ${r.body.code ?? r.body.outcome}`);
      expect(statuses.filter((s) => !['201 reserved', '409 INSUFFICIENT_STOCK'].includes(s))).toEqual([]);
      const reserved = orders.filter((_, i) => results[i].status === 201);
      // Demand exceeds the stock, so some must fail, and all-or-nothing must hold for each of them.
      expect(reserved.length).toBeGreaterThan(20);
      expect(reserved.length).toBeLessThan(100);
      const taken = new Map(menuIds.map((id) => [id, 0]));
      for (const order of reserved) {
        for (const item of order.items) taken.set(item.menu_id, taken.get(item.menu_id)! + item.quantity);
      }
      for (const id of menuIds) expect([id, await kit.stock(id)]).toEqual([id, initial - taken.get(id)!]);
      for (const [i, result] of results.entries()) {
        if (result.status !== 201) continue;
        for (const item of result.body.items as { menu_id: number; unit_price: number }[]) {
          expect(item.unit_price).toBe(prices.get(item.menu_id));
        }
        expect(result.body.items.map((item: Item) => item.menu_id)).toEqual(
          orders[i].items.map((item) => item.menu_id).sort((a, b) => a - b),
        );
      }
      await expectAuditOk();

      // Settle them concurrently, half committed and half released.
      const settled = await Promise.all(
        reserved.map((order, i) => (i % 2 === 0 ? commit(order.id) : release(order.id))),
      );
      expect(settled.every((r) => r.status === 200)).toBe(true);
      const committed = new Map(menuIds.map((id) => [id, 0]));
      reserved.forEach((order, i) => {
        if (i % 2 !== 0) return;
        for (const item of order.items)
          committed.set(item.menu_id, committed.get(item.menu_id)! + item.quantity);
      });
      const audit = await expectAuditOk();
      for (const id of menuIds) {
        expect(audit.menus.find((m: any) => m.menu_id === id)).toMatchObject({
          stock: initial - committed.get(id)!,
          reserved_active: 0,
          reserved_committed: committed.get(id),
        });
      }
    });
  });

  describe('listing', () => {
    it('lists reservations by status with keyset pages', async () => {
      const active = await request(`${url}/inventory/reservations?status=active&limit=500`, {
        token: kit.token,
      });
      expect(active.status).toBe(200);
      expect(active.body.reservations.length).toBeGreaterThan(0);
      expect(active.body.reservations.every((r: any) => r.status === 'active')).toBe(true);
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const page: any = await request(
          `${url}/inventory/reservations?limit=7${after ? `&after=${encodeURIComponent(after)}` : ''}`,
          { token: kit.token },
        );
        expect(page.body.reservations.length).toBeLessThanOrEqual(7);
        seen.push(...page.body.reservations.map((r: any) => r.order_id));
        after = page.body.next_after;
      } while (after);
      expect(seen.length).toBe(await ledgerRows());
      expect(new Set(seen).size).toBe(seen.length);
      for (const bad of ['status=gone', 'limit=0', 'limit=501', 'limit=abc', 'after=bad%20key', 'extra=1']) {
        const res = await request(`${url}/inventory/reservations?${bad}`, { token: kit.token });
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      }
    });
  });

  describe('bad input', () => {
    const good = [{ menu_id: 2, quantity: 1 }];
    const badBodies: [string, unknown][] = [
      ['order_id 0', { order_id: 0, items: good }],
      ['a negative order_id', { order_id: -1, items: good }],
      ['a fractional order_id', { order_id: 1.5, items: good }],
      ['an unsafe integer order_id', { order_id: 2 ** 53, items: good }],
      ['an empty order_id', { order_id: '', items: good }],
      ['an order_id with spaces', { order_id: 'bad key', items: good }],
      ['a 65-character order_id', { order_id: 'x'.repeat(65), items: good }],
      ['a null order_id', { order_id: null, items: good }],
      ['a boolean order_id', { order_id: true, items: good }],
      ['no order_id', { items: good }],
      ['no items', { order_id: 'bad-1' }],
      ['empty items', { order_id: 'bad-1', items: [] }],
      ['items that are not an array', { order_id: 'bad-1', items: { menu_id: 2, quantity: 1 } }],
      ['items that are not objects', { order_id: 'bad-1', items: [2] }],
      [
        '51 items',
        { order_id: 'bad-1', items: Array.from({ length: 51 }, (_, i) => ({ menu_id: i + 1, quantity: 1 })) },
      ],
      ['a duplicated menu_id', { order_id: 'bad-1', items: [...good, ...good] }],
      ['a zero quantity', { order_id: 'bad-1', items: [{ menu_id: 2, quantity: 0 }] }],
      ['a negative quantity', { order_id: 'bad-1', items: [{ menu_id: 2, quantity: -3 }] }],
      ['a fractional quantity', { order_id: 'bad-1', items: [{ menu_id: 2, quantity: 0.5 }] }],
      ['a huge quantity', { order_id: 'bad-1', items: [{ menu_id: 2, quantity: 1e9 }] }],
      ['a string quantity', { order_id: 'bad-1', items: [{ menu_id: 2, quantity: '1' }] }],
      ['menu_id 0', { order_id: 'bad-1', items: [{ menu_id: 0, quantity: 1 }] }],
      ['a string menu_id', { order_id: 'bad-1', items: [{ menu_id: '2', quantity: 1 }] }],
      ['no quantity', { order_id: 'bad-1', items: [{ menu_id: 2 }] }],
      ['extra fields', { order_id: 'bad-1', items: good, total: 0 }],
      ['a JSON array', [{ order_id: 'bad-1', items: good }]],
    ];

    for (const [name, body] of badBodies) {
      it(`rejects ${name} with 400 and moves nothing`, async () => {
        const stock = await kit.stock(2);
        const rows = await ledgerRows();
        const res = await request(`${url}/inventory/reservations`, { body, token: kit.token });
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
        expect(await kit.stock(2)).toBe(stock);
        expect(await ledgerRows()).toBe(rows);
      });
    }

    it('refuses a body beyond the route limit (1000 items, 27 KB) with 413 before parsing, moving nothing', async () => {
      const rows = await ledgerRows();
      const items = Array.from({ length: 1000 }, (_, i) => ({ menu_id: i + 1, quantity: 1 }));
      const res = await request(`${url}/inventory/reservations`, {
        body: { order_id: 'bad-1', items },
        token: kit.token,
      });
      expect([res.status, res.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      expect(await ledgerRows()).toBe(rows);
    });

    it('takes a batch of 500 64-character order ids (a larger limit than the default)', async () => {
      const orderIds = Array.from({ length: 500 }, (_, i) => `${i}-`.padEnd(64, 'x'));
      expect(JSON.stringify({ order_ids: orderIds }).length).toBeGreaterThan(16 * 1024);
      const res = await commitMany({ order_ids: orderIds });
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(500);
    });

    it('rejects malformed order ids in paths with 400 INVALID_ORDER_ID', async () => {
      const rows = await ledgerRows();
      for (const bad of ['bad%20key', '-1', `${'x'.repeat(65)}`, '%F0%9F%8D%95', '_x']) {
        for (const res of [await get(bad), await release(bad), await commit(bad), await cancel(bad)]) {
          expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'INVALID_ORDER_ID']);
        }
      }
      expect(await ledgerRows()).toBe(rows);
    });
  });
});
