import { request, startServiceProcess, TcpProxy, waitFor, type ServiceProcess } from '@food-delivery/testing';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { inBatches, startOrderKit, statusCounts, type OrderKit } from './support';

/**
 * The order saga under every fault the chaos knobs inject, with short timeouts so the faults bite quickly:
 * 500 ms per downstream attempt (the restaurant's inventory_delay is 1500 ms), a breaker that half-opens after
 * 1 s, and recovery that takes over orders PENDING for more than 2 s.
 */
describe('order service: faults, timeouts, breakers and crash recovery', () => {
  let kit: OrderKit;
  /** The order service reaches the restaurant through this proxy, so a test can cut the connection. */
  let restaurantProxy: TcpProxy;
  let crashed: ServiceProcess | null = null;

  const orderCount = async (): Promise<Record<string, number>> => {
    const { rows } = await kit.pg.query(
      `SELECT status, count(*)::int AS n FROM "order".orders GROUP BY status`,
    );
    return Object.fromEntries(rows.map((row: { status: string; n: number }) => [row.status, row.n]));
  };
  /** Waits until the circuit to a dependency let a request through again (orders succeed). */
  const waitUntilOrdersSucceed = (menuId: number) =>
    waitFor(
      'orders to succeed again',
      async () => (await kit.placeOrder(kit.token, [{ menu_id: menuId, quantity: 1 }])).status === 201,
      { timeoutMs: 15_000, intervalMs: 300 },
    );

  before(async () => {
    kit = await startOrderKit('order_faults', {
      inProcess: false,
      orderEnv: {
        USER_SERVICE_TIMEOUT_MS: '500',
        RESTAURANT_SERVICE_TIMEOUT_MS: '500',
        RESTAURANT_SERVICE_RETRIES: '1',
        DOWNSTREAM_BREAKER_HALF_OPEN_MS: '1000',
        RECOVERY_PENDING_AFTER_MS: '2000',
      },
    });
    restaurantProxy = await new TcpProxy('127.0.0.1', kit.restaurant.port).start();
    await kit.startOrder({ RESTAURANT_SERVICE_URL: `http://127.0.0.1:${restaurantProxy.port}` });
  });

  after(async () => {
    await crashed?.kill();
    await restaurantProxy?.stop();
    await kit?.close();
  });

  it('restaurant inventory_delay beyond the reservation timeout: 504s, then every reservation is given back', async () => {
    await kit.resetStock(100, [11]);
    await kit.setChaos(kit.restaurant, 'inventory_delay', { delay_ms: 1500 });
    let responses;
    try {
      responses = await Promise.all(
        Array.from({ length: 6 }, () => kit.placeOrder(kit.token, [{ menu_id: 11, quantity: 1 }])),
      );
    } finally {
      await kit.clearChaos(kit.restaurant);
    }
    const counts = statusCounts(responses);
    // Timeouts (504) until the breaker opens, then fast 503s: never a hang, never a 500.
    expect(Object.keys(counts).every((status) => status === '504' || status === '503')).toBe(true);
    expect(counts[504]).toBeGreaterThan(0);
    for (const res of responses) {
      expect(res.body).toMatchObject({ dependency: 'restaurant-service', order: { status: 'FAILED' } });
      expect(['RESERVATION_TIMEOUT', 'RESTAURANT_UNAVAILABLE']).toContain(res.body.order.failure_reason);
    }
    expect(responses.find((res) => res.status === 504)!.body.code).toBe('DEPENDENCY_TIMEOUT');

    // Reservations that landed after we gave up are released by the outbox: nothing leaks.
    const audit = await kit.settledAudit(kit.orderUrl, 45_000);
    expect([audit.ok, audit.violations]).toEqual([true, []]);
    expect(audit.reservations.active).toBe(0);
    expect(await kit.stock(11)).toBe(100);
    await waitUntilOrdersSucceed(11);
  });

  it('restaurant unreachable: 503 naming it, the order FAILED, releases retried until it is back', async () => {
    await kit.resetStock(100, [12]);
    await restaurantProxy.stop();
    let responses;
    try {
      responses = await inBatches(4, 2, () => kit.placeOrder(kit.token, [{ menu_id: 12, quantity: 1 }]));
      for (const res of responses) {
        expect([res.status, res.body.code, res.body.dependency]).toEqual([
          503,
          'DEPENDENCY_UNAVAILABLE',
          'restaurant-service',
        ]);
        expect(res.headers.get('retry-after')).toBeTruthy();
        expect(res.body.order).toMatchObject({ status: 'FAILED', failure_reason: 'RESTAURANT_UNAVAILABLE' });
      }
      // The release tasks wait in the outbox while the restaurant is away.
      const { rows } = await kit.pg.query(
        `SELECT count(*)::int AS n FROM "order".saga_tasks WHERE dead_at IS NULL`,
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(responses.length);
    } finally {
      await restaurantProxy.start();
    }
    const audit = await kit.settledAudit(kit.orderUrl, 30_000);
    expect([audit.ok, audit.saga_tasks]).toEqual([true, { pending: 0, dead: 0 }]);
    expect(await kit.stock(12)).toBe(100);
    await waitUntilOrdersSucceed(12);
  });

  it('user service errors 50%: retries absorb them, the breaker stays closed, nothing half-recorded', async () => {
    const before = await orderCount();
    await kit.setChaos(kit.user, 'error', { enable: true });
    let responses;
    try {
      responses = await inBatches(60, 4, () => kit.placeOrder(kit.token, [{ menu_id: 13, quantity: 1 }]));
    } finally {
      await kit.clearChaos(kit.user);
    }
    const counts = statusCounts(responses);
    // Three attempts each: a request fails only if all three hit the 50% (12.5%).
    expect(counts[201]).toBeGreaterThanOrEqual(45);
    for (const res of responses.filter((r) => r.status !== 201)) {
      expect([res.status, res.body.code, res.body.dependency]).toEqual([
        502,
        'DEPENDENCY_ERROR',
        'user-service',
      ]);
    }
    // A failed validation records nothing.
    expect((await orderCount()).CONFIRMED).toBe((before.CONFIRMED ?? 0) + counts[201]);
    expect((await orderCount()).PENDING ?? 0).toBe(0);
    const metrics = await request(`${kit.orderUrl}/metrics`);
    expect(metrics.text).toMatch(/circuit_breaker_state\{[^}]*dependency="user-service"[^}]*\} 0/);
  });

  it('user service errors 100%: the circuit opens and answers a fast 503 with Retry-After, then recovers', async () => {
    await kit.setChaos(kit.user, 'error', { enable: true, percent: 100 });
    let open: { res: Awaited<ReturnType<OrderKit['placeOrder']>>; ms: number } | undefined;
    try {
      const seen: number[] = [];
      for (let i = 0; i < 60 && !open; i += 1) {
        const started = Date.now();
        const res = await kit.placeOrder(kit.token, [{ menu_id: 13, quantity: 1 }]);
        seen.push(res.status);
        if (res.status === 503) open = { res, ms: Date.now() - started };
        else expect([res.status, res.body.code]).toEqual([502, 'DEPENDENCY_ERROR']);
      }
      expect(open).toBeDefined();
    } finally {
      await kit.clearChaos(kit.user);
    }
    expect(open?.res.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', dependency: 'user-service' });
    expect(open?.res.body.message).toMatch(/circuit breaker is open/);
    expect(open?.res.headers.get('retry-after')).toBe('1');
    expect(open?.ms).toBeLessThan(200);
    // Half-open after 1 s: one good trial call closes it again.
    await waitUntilOrdersSucceed(13);
    expect((await orderCount()).PENDING ?? 0).toBe(0);
  });

  it('user service delay beyond the validation timeout: a clean 504, no order left PENDING', async () => {
    const before = await orderCount();
    await kit.setChaos(kit.user, 'delay', { delay_ms: 1500 });
    let responses;
    try {
      const started = Date.now();
      responses = await Promise.all(
        Array.from({ length: 3 }, () => kit.placeOrder(kit.token, [{ menu_id: 13, quantity: 1 }])),
      );
      // Three attempts of 500 ms plus backoff: well under the injected delay times three.
      expect(Date.now() - started).toBeLessThan(3500);
    } finally {
      await kit.clearChaos(kit.user);
    }
    for (const res of responses) {
      expect([res.status, res.body.code, res.body.dependency]).toEqual([
        504,
        'DEPENDENCY_TIMEOUT',
        'user-service',
      ]);
    }
    expect(await orderCount()).toEqual(before);
    await waitUntilOrdersSucceed(13);
  });

  it('SIGKILL between reservation and payment: after restart, recovery releases the stock', async () => {
    await kit.order!.close(); // only the crashing replica (and its successor) run from here on
    await kit.resetStock(10, [14]);
    const env = kit.orderEnv({ RECOVERY_PENDING_AFTER_MS: '1000' });
    crashed = await startServiceProcess('order', { ...env, SAGA_PAUSE_BEFORE_PAYMENT_MS: '30000' });
    const inFlight = kit.placeOrder(kit.token, [{ menu_id: 14, quantity: 4 }], {}, crashed.url).then(
      () => 'answered',
      () => 'connection lost',
    );

    // Wait until the stock is reserved and the saga sits before the payment.
    const orderId = await waitFor(
      'the reservation of the in-flight order',
      async () => {
        const { rows } = await kit.pg.query(
          `SELECT o.id FROM "order".orders o
           JOIN restaurant.reservations r ON r.order_id = o.id::text AND r.status = 'active'
          WHERE o.status = 'PENDING'`,
        );
        return rows[0]?.id as number | undefined;
      },
      { timeoutMs: 30_000 },
    ); // generous: CI runs this beside other suites on two cores
    expect(await kit.stock(14)).toBe(6);
    await crashed.kill();
    expect(await inFlight).toBe('connection lost');
    expect(
      (await kit.pg.query(`SELECT status FROM "order".orders WHERE id = $1`, [orderId])).rows[0].status,
    ).toBe('PENDING');
    expect(await kit.stock(14)).toBe(6); // held by a reservation nobody will pay for

    const restarted = await startServiceProcess('order', { ...env, LOG_LEVEL: 'info' });
    try {
      const audit = await kit.settledAudit(restarted.url, 45_000);
      expect([audit.ok, audit.violations]).toEqual([true, []]);
      expect(await kit.stock(14)).toBe(10);
      const recovered = await request(`${restarted.url}/orders/${orderId}`, { token: kit.token });
      expect(recovered.body).toMatchObject({ status: 'FAILED', failure_reason: 'SAGA_INTERRUPTED' });
      expect(restarted.output()).toMatch(/"event":"order.recovered"/);
    } finally {
      await restarted.stop();
    }
  });
});
