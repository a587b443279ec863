import { request, waitFor } from '@food-delivery/testing';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { createOrderApp } from '../src/app';
import { ADDRESS, inBatches, PHONE, startOrderKit, statusCounts, type OrderKit } from './support';

/** The spec's user journey and the order API contract, against the three real services. */
describe('order service: the spec flow and the API', () => {
  let kit: OrderKit;

  before(async () => {
    kit = await startOrderKit('order_flow');
  });

  after(async () => {
    await kit?.close();
  });

  it("runs the spec's curl flow: signup → login → menus → order → status → cancel → re-order", async () => {
    const signup = await request(`${kit.user.url}/signup`, {
      body: { username: 'alice', password: 'wonderland', name: 'Alice' },
    });
    expect(signup.status).toBe(201);
    const login = await request(`${kit.user.url}/login`, {
      body: { username: 'alice', password: 'wonderland' },
    });
    expect(login.status).toBe(200);
    const token: string = login.body.access_token;

    const menus = await request(`${kit.restaurant.url}/menus`);
    expect(menus.status).toBe(200);
    const menu = (menus.body as { id: number; price: number; inventory: number }[]).find((m) => m.id === 1)!;
    const stockBefore = await kit.stock(1);

    const body = { items: [{ menu_id: 1, quantity: 2 }], address: ADDRESS, phone: PHONE };
    const placed = await request(`${kit.orderUrl}/orders`, { token, body });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      user_id: signup.body.id,
      status: 'CONFIRMED',
      items: [
        {
          id: expect.any(Number),
          menu_id: 1,
          name: 'Bibimbap',
          quantity: 2,
          price: menu.price,
          line_total: 2 * menu.price,
        },
      ],
      total_price: 2 * menu.price,
      address: ADDRESS,
      phone: PHONE,
      failure_reason: null,
      payment_status: 'completed',
    });
    expect(await kit.stock(1)).toBe(stockBefore - 2);
    const orderId: number = placed.body.id;

    const first = await request(`${kit.orderUrl}/orders/${orderId}`, { token });
    expect([first.status, first.body.status, first.headers.get('x-cache')]).toEqual([
      200,
      'CONFIRMED',
      'MISS',
    ]);
    const again = await request(`${kit.orderUrl}/orders/${orderId}`, { token });
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(again.body).toEqual(first.body);

    // The spec's cancel curl has no Authorization header: here every order endpoint needs the JWT.
    const anonymous = await request(`${kit.orderUrl}/orders/${orderId}/cancel`, { method: 'POST' });
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'TOKEN_MISSING']);

    const cancelled = await kit.cancel(token, orderId);
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
    // The original service answered {message, order_id}: its clients read them.
    expect(cancelled.body).toMatchObject({ message: 'Order cancelled successfully', order_id: orderId });
    expect(await kit.stock(1)).toBe(stockBefore);
    // The status change invalidated the cached copy: no stale CONFIRMED.
    const afterCancel = await request(`${kit.orderUrl}/orders/${orderId}`, { token });
    expect([afterCancel.body.status, afterCancel.headers.get('x-cache')]).toEqual(['CANCELLED', 'MISS']);
    const cachedCancel = await request(`${kit.orderUrl}/orders/${orderId}`, { token });
    expect([cachedCancel.body.status, cachedCancel.headers.get('x-cache')]).toEqual(['CANCELLED', 'HIT']);

    const reordered = await request(`${kit.orderUrl}/orders`, { token, body });
    expect([reordered.status, reordered.body.status]).toEqual([201, 'CONFIRMED']);
    expect(await kit.stock(1)).toBe(stockBefore - 2);

    const list = await request(`${kit.orderUrl}/orders`, { token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ page: 1, limit: 20, total: 2 });
    expect(list.body.orders.map((o: { id: number }) => o.id)).toEqual([reordered.body.id, orderId]);
  });

  it('rejects bad input with clear codes and moves no stock', async () => {
    const stocksBefore = await allStocks(kit);
    const post = (body: unknown) => request(`${kit.orderUrl}/orders`, { token: kit.token, body });
    const valid = { items: [{ menu_id: 2, quantity: 1 }], address: ADDRESS, phone: PHONE };
    const cases: [string, unknown, number, string, RegExp?][] = [
      ['empty items', { ...valid, items: [] }, 400, 'VALIDATION_FAILED', /items must contain at least 1/],
      [
        'zero quantity',
        { ...valid, items: [{ menu_id: 2, quantity: 0 }] },
        400,
        'VALIDATION_FAILED',
        /quantity/,
      ],
      ['negative quantity', { ...valid, items: [{ menu_id: 2, quantity: -3 }] }, 400, 'VALIDATION_FAILED'],
      ['fractional quantity', { ...valid, items: [{ menu_id: 2, quantity: 1.5 }] }, 400, 'VALIDATION_FAILED'],
      ['huge quantity', { ...valid, items: [{ menu_id: 2, quantity: 1_000_000 }] }, 400, 'VALIDATION_FAILED'],
      [
        'duplicate menu ids',
        {
          ...valid,
          items: [
            { menu_id: 2, quantity: 1 },
            { menu_id: 2, quantity: 2 },
          ],
        },
        400,
        'VALIDATION_FAILED',
        /must not repeat a menu_id/,
      ],
      [
        '51 items',
        { ...valid, items: Array.from({ length: 51 }, (_, i) => ({ menu_id: i + 1, quantity: 1 })) },
        400,
        'VALIDATION_FAILED',
        /items must contain no more than 50/,
      ],
      [
        '1000 items (27 KB, beyond the 16 KiB body limit: refused before parsing)',
        { ...valid, items: Array.from({ length: 1000 }, (_, i) => ({ menu_id: i + 1, quantity: 1 })) },
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      ['missing address', { items: valid.items, phone: PHONE }, 400, 'VALIDATION_FAILED', /address/],
      ['blank address', { ...valid, address: '   ' }, 400, 'VALIDATION_FAILED', /address must not be blank/],
      ['bad phone', { ...valid, phone: 'call me' }, 400, 'VALIDATION_FAILED', /phone/],
      [
        'client-side price',
        { ...valid, items: [{ menu_id: 2, quantity: 1, unit_price: 1 }] },
        400,
        'VALIDATION_FAILED',
      ],
      ['extra field', { ...valid, total: 1 }, 400, 'VALIDATION_FAILED', /property total should not exist/],
      ['string menu id', { ...valid, items: [{ menu_id: '2', quantity: 1 }] }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [what, body, status, code, message] of cases) {
      const res = await post(body);
      expect([what, res.status, res.body.code]).toEqual([what, status, code]);
      if (message) expect(res.body.message).toMatch(message);
    }
    const notJson = await request(`${kit.orderUrl}/orders`, {
      token: kit.token,
      raw: '{"items": [',
      headers: { 'content-type': 'application/json' },
    });
    expect([notJson.status, notJson.body.code]).toEqual([400, 'INVALID_JSON']);
    const badKey = await kit.placeOrder(kit.token, valid.items, { 'idempotency-key': 'has space' });
    expect([badKey.status, badKey.body.code]).toEqual([400, 'INVALID_IDEMPOTENCY_KEY']);

    // Found out by the restaurant: the order is recorded FAILED with the reason.
    const unknownMenu = await kit.placeOrder(kit.token, [
      { menu_id: 2, quantity: 1 },
      { menu_id: 99999, quantity: 1 },
    ]);
    expect([unknownMenu.status, unknownMenu.body.code]).toEqual([404, 'MENU_NOT_FOUND']);
    expect(unknownMenu.body.order).toMatchObject({ status: 'FAILED', failure_reason: 'MENU_NOT_FOUND' });
    expect(unknownMenu.body.message).toMatch(/99999/);

    // Recorded, then refused by the restaurant: answered 201 with the FAILED order (as a declined payment).
    const tooMany = await kit.placeOrder(kit.token, [{ menu_id: 2, quantity: stocksBefore.get(2)! + 1 }]);
    expect(tooMany.status).toBe(201);
    expect(tooMany.body).toMatchObject({
      status: 'FAILED',
      failure_reason: 'OUT_OF_STOCK',
      payment_status: 'pending',
      total_price: null,
    });

    const badId = await request(`${kit.orderUrl}/orders/abc`, { token: kit.token });
    expect([badId.status, badId.body.code]).toEqual([400, 'INVALID_ID']);
    expect(await allStocks(kit)).toEqual(stocksBefore);
    expect((await kit.settledAudit()).ok).toBe(true);
  });

  it('cancels with Content-Type: application/json and no body, or {} (JMeter/k6 style bodiless POSTs)', async () => {
    const cancelWith = (id: number, body?: string) =>
      fetch(`${kit.orderUrl}/orders/${id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${kit.token}`, 'content-type': 'application/json' },
        body,
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { status?: string } }));
    for (const body of [undefined, '{}']) {
      const placed = await kit.placeOrder(kit.token, [{ menu_id: 3, quantity: 1 }]);
      expect(placed.status).toBe(201);
      const cancelled = await cancelWith(placed.body.id, body);
      expect([body, cancelled.status, cancelled.body.status]).toEqual([body, 200, 'CANCELLED']);
    }
  });

  it('refuses a NUL in the address with 400 (was a 500 from Postgres) and writes no order', async () => {
    const count = async () =>
      (await kit.pg.query('SELECT count(*)::int AS n FROM "order".orders')).rows[0].n as number;
    const before = await count();
    const res = await request(`${kit.orderUrl}/orders`, {
      token: kit.token,
      raw: `{"items":[{"menu_id":3,"quantity":1}],"address":"a\\u0000b","phone":"${PHONE}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body.message).toMatch(/NUL/);
    expect(await count()).toBe(before);
  });

  it('refuses {"fail_percent": 1e-7} on the payment_fail knob with 400 (was a 500), setting nothing', async () => {
    const res = await request(`${kit.orderUrl}/chaos/payment_fail`, {
      raw: '{"fail_percent": 1e-7}',
      headers: { 'content-type': 'application/json' },
    });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await request(`${kit.orderUrl}/chaos`)).body.faults).toEqual([]);
  });

  it("hides other users' orders (404 to read and to cancel), even when cached", async () => {
    const alice = await kit.signup('alice2');
    const bob = await kit.signup('bob');
    const placed = await kit.placeOrder(alice.token, [{ menu_id: 3, quantity: 1 }]);
    expect(placed.status).toBe(201);
    const id: number = placed.body.id;
    await kit.getOrder(alice.token, id); // warm the cache
    const stock = await kit.stock(3);

    const read = await kit.getOrder(bob.token, id);
    expect([read.status, read.body.code]).toEqual([404, 'ORDER_NOT_FOUND']);
    const cancel = await kit.cancel(bob.token, id);
    expect([cancel.status, cancel.body.code]).toEqual([404, 'ORDER_NOT_FOUND']);
    const missing = await kit.getOrder(bob.token, 2_000_000_000);
    expect(missing.body).toMatchObject({
      code: 'ORDER_NOT_FOUND',
      message: read.body.message.replace(String(id), '2000000000'),
    });
    const list = await request(`${kit.orderUrl}/orders`, { token: bob.token });
    expect(list.body).toMatchObject({ orders: [], total: 0 });
    expect((await kit.getOrder(alice.token, id)).body.status).toBe('CONFIRMED');
    expect(await kit.stock(3)).toBe(stock);

    // Orders belong to people: a service token (client credentials) has no `orders` scope.
    const asService = await kit.placeOrder(await kit.serviceToken(), [{ menu_id: 3, quantity: 1 }]);
    expect([asService.status, asService.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
  });

  it('Idempotency-Key: 10 racing requests with one key make one order; a different body is refused', async () => {
    const before = await kit.stock(4);
    const headers = { 'idempotency-key': 'race-key-1' };
    const items = [{ menu_id: 4, quantity: 2 }];
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => kit.placeOrder(kit.token, items, headers)),
    );
    const ids = new Set(responses.map((res) => res.body.id));
    expect(ids.size).toBe(1);
    expect(statusCounts(responses)).toEqual({ 201: 1, 200: 9 });
    expect(responses.filter((res) => res.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    const { rows } = await kit.pg.query(
      `SELECT count(*)::int AS n FROM "order".orders WHERE idempotency_key = 'race-key-1'`,
    );
    expect(rows[0].n).toBe(1);
    expect(await kit.stock(4)).toBe(before - 2);

    const replay = await kit.placeOrder(kit.token, items, headers);
    expect([replay.status, replay.body.status, replay.body.id]).toEqual([200, 'CONFIRMED', [...ids][0]]);
    const reused = await kit.placeOrder(kit.token, [{ menu_id: 4, quantity: 3 }], headers);
    expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    // Keys are per user: another user's identical key is a different order.
    const carol = await kit.signup('carol');
    const other = await kit.placeOrder(carol.token, items, headers);
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe([...ids][0]);
    expect(await kit.stock(4)).toBe(before - 4);
  });

  /** Batched commit calls the restaurant has answered so far (its request metric). */
  const commitBatches = async () => {
    const metrics = (await request<string>(`${kit.restaurant.url}/metrics`)).body;
    const pattern =
      /http_server_request_duration_seconds_count\{[^}]*route="\/inventory\/reservations\/commits"[^}]*\} (\d+)/g;
    return [...metrics.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
  };

  it('200 concurrent orders for a menu with stock 50: exactly 50 confirmed, stock 0, audit ok', async () => {
    await kit.resetStock(50, [5]);
    const batchesBefore = await commitBatches();
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => kit.placeOrder(kit.token, [{ menu_id: 5, quantity: 1 }])),
    );
    expect(statusCounts(responses)).toEqual({ 201: 200 });
    const outcomes = responses.map((res) => `${res.body.status}/${res.body.failure_reason}`);
    expect(outcomes.filter((outcome) => outcome === 'CONFIRMED/null')).toHaveLength(50);
    expect(outcomes.filter((outcome) => outcome === 'FAILED/OUT_OF_STOCK')).toHaveLength(150);
    expect(await kit.stock(5)).toBe(0);
    const audit = await kit.settledAudit();
    expect([audit.ok, audit.violations]).toEqual([true, []]);
    const menu = audit.menus.find((m: { menu_id: number }) => m.menu_id === 5);
    expect(menu).toMatchObject({ stock: 0, confirmed_quantity: 50, drift: 0 });
    // Every confirmed order's reservation was committed by the background worker, in batches: far fewer
    // commit calls reached the restaurant than there were orders.
    const { rows } = await kit.pg.query(
      `SELECT r.status, count(*)::int AS n FROM "order".orders o
         JOIN restaurant.reservations r ON r.order_id = o.id::text
        WHERE o.status = 'CONFIRMED' AND o.id = ANY($1::int[]) GROUP BY r.status`,
      [responses.filter((res) => res.body.status === 'CONFIRMED').map((res) => res.body.id)],
    );
    expect(rows).toEqual([{ status: 'committed', n: 50 }]);
    const batches = (await commitBatches()) - batchesBefore;
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(50);
  });

  it('payment_fail 100%: every order 201 FAILED with PAYMENT_FAILED, payment_status failed, stock unchanged', async () => {
    await kit.resetStock(100, [6]);
    await kit.setChaos(kit.order!, 'payment_fail', { fail_percent: 100 });
    try {
      const responses = await inBatches(20, 10, () =>
        kit.placeOrder(kit.token, [{ menu_id: 6, quantity: 2 }]),
      );
      expect(statusCounts(responses)).toEqual({ 201: 20 });
      for (const res of responses) {
        expect(res.body).toMatchObject({
          status: 'FAILED',
          failure_reason: 'PAYMENT_FAILED',
          payment_status: 'failed',
        });
        // The reservation priced the order before the payment failed.
        expect(res.body.total_price).toBeGreaterThan(0);
      }
      // The spec's rollback: the stock is back by the time the client hears of the failure.
      expect(await kit.stock(6)).toBe(100);
      const order = await kit.getOrder(kit.token, responses[0].body.id);
      expect(order.body).toMatchObject({
        status: 'FAILED',
        failure_reason: 'PAYMENT_FAILED',
        payment_status: 'failed',
      });
    } finally {
      await kit.clearChaos(kit.order!);
    }
    expect((await kit.settledAudit()).ok).toBe(true);
  });

  it('payment_fail 30% over 300 orders: about 30% FAILED, the rest confirmed, audit ok', async () => {
    await kit.resetStock(1000, [7]);
    await kit.setChaos(kit.order!, 'payment_fail', { fail_percent: 30 });
    let responses;
    try {
      responses = await inBatches(300, 30, () => kit.placeOrder(kit.token, [{ menu_id: 7, quantity: 1 }]));
    } finally {
      await kit.clearChaos(kit.order!);
    }
    expect(statusCounts(responses)).toEqual({ 201: 300 });
    const counts = { confirmed: 0, failed: 0 };
    for (const res of responses) {
      if (res.body.status === 'CONFIRMED') counts.confirmed += 1;
      else if (res.body.failure_reason === 'PAYMENT_FAILED') counts.failed += 1;
    }
    expect(counts.confirmed + counts.failed).toBe(300);
    // Five standard deviations of a binomial share (300 draws at 30%: σ ≈ 2.6 points): a false alarm about once in
    // a few million runs (±7 points, 2.6σ, failed about one run in a hundred), still far from 0%, 10% or 50%.
    const failedShare = counts.failed / 300;
    const sigma = Math.sqrt((0.3 * 0.7) / 300);
    expect(failedShare).toBeGreaterThan(0.3 - 5 * sigma);
    expect(failedShare).toBeLessThan(0.3 + 5 * sigma);
    expect(await kit.stock(7)).toBe(1000 - counts.confirmed);
    const audit = await kit.settledAudit();
    expect([audit.ok, audit.violations]).toEqual([true, []]);
  });

  it('cancel-reorder 100 times brings the stock back to where it started', async () => {
    await kit.resetStock(10, [8]);
    for (let i = 0; i < 100; i += 1) {
      const placed = await kit.placeOrder(kit.token, [{ menu_id: 8, quantity: 3 }]);
      expect([i, placed.status]).toEqual([i, 201]);
      const cancelled = await kit.cancel(kit.token, placed.body.id);
      expect([i, cancelled.status]).toEqual([i, 200]);
    }
    expect(await kit.stock(8)).toBe(10);
    expect((await kit.settledAudit()).ok).toBe(true);
  });

  it('cancels once: FAILED or CANCELLED orders are 409 and restore nothing, concurrent cancels restore once', async () => {
    await kit.resetStock(20, [9]);
    const placed = await kit.placeOrder(kit.token, [{ menu_id: 9, quantity: 5 }]);
    expect(await kit.stock(9)).toBe(15);
    const [a, b] = await Promise.all([
      kit.cancel(kit.token, placed.body.id),
      kit.cancel(kit.token, placed.body.id),
    ]);
    expect(statusCounts([a, b])).toEqual({ 200: 1, 409: 1 });
    expect([a, b].find((res) => res.status === 409)!.body.code).toBe('ORDER_NOT_CANCELLABLE');
    expect(await kit.stock(9)).toBe(20);
    const again = await kit.cancel(kit.token, placed.body.id);
    expect([again.status, again.body.code]).toEqual([409, 'ORDER_NOT_CANCELLABLE']);
    expect(again.body.message).toMatch(/CANCELLED/);

    const failed = await kit.placeOrder(kit.token, [{ menu_id: 9, quantity: 21 }]);
    expect([failed.status, failed.body.status]).toEqual([201, 'FAILED']);
    const cancelFailed = await kit.cancel(kit.token, failed.body.id);
    expect([cancelFailed.status, cancelFailed.body.code]).toEqual([409, 'ORDER_NOT_CANCELLABLE']);
    expect(await kit.stock(9)).toBe(20);
    await waitFor('the cancel to reach the restaurant', async () => {
      const reservation = await request(`${kit.restaurant.url}/inventory/reservations/${placed.body.id}`, {
        token: await kit.serviceToken(),
      });
      return reservation.body.status === 'released' || reservation.body.status === 'cancelled';
    });
    expect((await kit.settledAudit()).ok).toBe(true);
  });

  it('serves orders from Postgres (X-Cache: MISS) when Redis is down, and still places them', async () => {
    const noRedis = await kit.stack.start(createOrderApp, kit.orderEnv({ REDIS_URL: 'redis://127.0.0.1:1' }));
    try {
      const ready = await request(`${noRedis.url}/health/ready`);
      expect(ready.status).toBe(200); // degraded, not unready: orders do not need Redis
      const placed = await kit.placeOrder(kit.token, [{ menu_id: 10, quantity: 1 }], {}, noRedis.url);
      expect([placed.status, placed.body.status]).toEqual([201, 'CONFIRMED']);
      for (let i = 0; i < 2; i += 1) {
        const read = await request(`${noRedis.url}/orders/${placed.body.id}`, { token: kit.token });
        expect([read.status, read.headers.get('x-cache'), read.body.status]).toEqual([
          200,
          'MISS',
          'CONFIRMED',
        ]);
      }
    } finally {
      await noRedis.close();
    }
  });

  it('documents every endpoint in OpenAPI (Swagger UI at /docs, ReDoc at /redoc)', async () => {
    const docs = await request(`${kit.orderUrl}/docs-json`);
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/orders',
        '/orders/{id}',
        '/orders/{id}/cancel',
        '/orders/audit',
        '/chaos/payment_fail',
      ]),
    );
    expect(Object.keys(docs.body.paths['/orders/audit'].get.responses)).toContain('200');
    expect((await request(`${kit.orderUrl}/redoc`)).status).toBe(200);
  });

  it("lists the caller's orders newest first, paginated", async () => {
    const dave = await kit.signup('dave');
    const ids: number[] = [];
    for (let i = 0; i < 5; i += 1)
      ids.push((await kit.placeOrder(dave.token, [{ menu_id: 10, quantity: 1 }])).body.id);
    const page = (query: string) => request(`${kit.orderUrl}/orders?${query}`, { token: dave.token });
    const first = await page('page=1&limit=2');
    expect(first.body).toMatchObject({ page: 1, limit: 2, total: 5 });
    expect(first.body.orders.map((o: { id: number }) => o.id)).toEqual([ids[4], ids[3]]);
    const last = await page('page=3&limit=2');
    expect(last.body.orders.map((o: { id: number }) => o.id)).toEqual([ids[0]]);
    expect(last.body.orders[0].items).toEqual([
      expect.objectContaining({
        id: expect.any(Number),
        menu_id: 10,
        quantity: 1,
        price: expect.any(Number),
      }),
    ]);
    for (const bad of ['limit=101', 'limit=0', 'page=0', 'page=abc', 'sort=id']) {
      const res = await page(bad);
      expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
    }
  });

  it('cannot be sabotaged by a user: releasing future order ids at the restaurant is refused, the next orders succeed', async () => {
    const mallory = await kit.signup('mallory');
    const last = await kit.placeOrder(mallory.token, [{ menu_id: 11, quantity: 1 }]);
    expect(last.status).toBe(201);
    for (let next = last.body.id + 1; next <= last.body.id + 5; next += 1) {
      const tombstone = await request(`${kit.restaurant.url}/inventory/reservations/${next}`, {
        method: 'DELETE',
        token: mallory.token,
      });
      expect([tombstone.status, tombstone.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    }
    const victims = await inBatches(5, 1, () => kit.placeOrder(kit.token, [{ menu_id: 11, quantity: 1 }]));
    expect(victims.map((res) => res.status)).toEqual([201, 201, 201, 201, 201]);
    // The reservations record whose order they are, as the order service vouched.
    const reservation = await request(`${kit.restaurant.url}/inventory/reservations/${last.body.id}`, {
      token: await kit.serviceToken(),
    });
    expect(reservation.body.user_id).toBe(mallory.id);
  });

  it("stops honouring a deleted account's token on every order endpoint", async () => {
    const quick = await kit.stack.start(createOrderApp, kit.orderEnv({ ACCOUNT_CHECK_INTERVAL_MS: '300' }));
    try {
      const erin = await kit.signup('erin');
      const placed = await kit.placeOrder(erin.token, [{ menu_id: 12, quantity: 1 }], {}, quick.url);
      expect(placed.status).toBe(201);
      const read = () => request(`${quick.url}/orders/${placed.body.id}`, { token: erin.token });
      expect((await read()).status).toBe(200);

      await kit.pg.query('DELETE FROM "user".users WHERE id = $1', [erin.id]);
      const refused = await waitFor('the deleted account to be refused', async () => {
        const res = await read();
        return res.status === 401 ? res : null;
      });
      expect(refused.body.code).toBe('ACCOUNT_GONE');
      const list = await request(`${quick.url}/orders`, { token: erin.token });
      const cancel = await request(`${quick.url}/orders/${placed.body.id}/cancel`, {
        token: erin.token,
        method: 'POST',
      });
      expect([list.status, list.body.code, cancel.status, cancel.body.code]).toEqual([
        401,
        'ACCOUNT_GONE',
        401,
        'ACCOUNT_GONE',
      ]);
      const order = await kit.placeOrder(erin.token, [{ menu_id: 12, quantity: 1 }], {}, quick.url);
      expect([order.status, order.body.code]).toEqual([403, 'USER_INVALID']);
      // Other users are not affected.
      expect((await kit.placeOrder(kit.token, [{ menu_id: 12, quantity: 1 }], {}, quick.url)).status).toBe(
        201,
      );
    } finally {
      await quick.close();
    }
  });
});

async function allStocks(kit: OrderKit): Promise<Map<number, number>> {
  const { rows } = await kit.pg.query('SELECT id, stock FROM restaurant.menus ORDER BY id');
  return new Map(rows.map((row: { id: number; stock: number }) => [row.id, row.stock]));
}
