// The traffic generator against the three services as real processes: it holds its rate, follows the steering,
// its journeys are traces that start at the generator, a fault's failures show up in its metrics, and over a
// 2-minute run operator stock resets keep a small stock from ever running out (watched in Postgres throughout).
// One generator for the whole file.
import {
  createTestStack,
  freePort,
  request,
  startOtlpReceiver,
  startServiceProcess,
  waitFor,
  startTrafficProcess,
  sumOf,
  type OtlpReceiver,
  type ReceivedSpan,
  type ServiceProcess,
  type TestStack,
  type TrafficProcess as TrafficProcessOf,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { DEFAULT_MIX, JOURNEYS, type TrafficState } from '../generator';

type TrafficProcess = TrafficProcessOf<TrafficState>;

const RATE = 20;
/** The menus the journeys order from, with a stock that lasts seconds at RATE without the generator's resets. */
const MENUS = [1, 2, 3];
const STOCK = 60;
/** How long the traffic runs before the stock is judged (the "2-minute run"). */
const RUN_MS = 120_000;
const fileStartedAt = performance.now();
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Journeys per second over `seconds`, from the generator's own counters: started (the offered load, what the
 * steering sets) and finished (ok or failed; lower than started while the services fall behind).
 */
async function measuredRates(traffic: TrafficProcess, seconds: number) {
  const counts = async () => {
    const metrics = await traffic.metrics();
    return {
      started: sumOf(metrics, 'traffic_journeys_started_total'),
      finished: sumOf(metrics, 'traffic_journeys_total', { result: /^(ok|failed)$/ }),
      byJourney: Object.fromEntries(
        JOURNEYS.map((journey) => [journey, sumOf(metrics, 'traffic_journeys_started_total', { journey })]),
      ),
    };
  };
  const before = await counts();
  const startedAt = performance.now();
  await sleep(seconds * 1000);
  const after = await counts();
  const elapsed = (performance.now() - startedAt) / 1000;
  return {
    started: (after.started - before.started) / elapsed,
    finished: (after.finished - before.finished) / elapsed,
    /** Journeys started per second, by journey. */
    byJourney: Object.fromEntries(
      JOURNEYS.map((journey) => [journey, (after.byJourney[journey] - before.byJourney[journey]) / elapsed]),
    ),
  };
}

/**
 * Reads the menus' stock straight from the restaurant's table every 100 ms for the whole run (the cached menu list
 * could lag): the lowest value seen, and how many reads.
 */
function watchStock(databaseUrl: string, menuIds: number[]) {
  const client = new Client({ connectionString: databaseUrl });
  const seen = { lowest: Number.POSITIVE_INFINITY, reads: 0, errors: 0 };
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      try {
        const { rows } = await client.query<{ lowest: number }>(
          'SELECT min("stock")::int AS lowest FROM "restaurant"."menus" WHERE "id" = ANY($1::int[])',
          [menuIds],
        );
        seen.lowest = Math.min(seen.lowest, rows[0].lowest);
        seen.reads += 1;
      } catch {
        seen.errors += 1;
      }
      await sleep(100);
    }
    await client.end();
  })().catch(() => {
    seen.errors += 1;
  });
  return {
    seen,
    stop: async () => {
      stopped = true;
      await loop;
      return seen;
    },
  };
}

describe('traffic generator against real services', () => {
  let stack: TestStack;
  let receiver: OtlpReceiver;
  let user: ServiceProcess;
  let restaurant: ServiceProcess;
  let order: ServiceProcess;
  let traffic: TrafficProcess;
  let stock: ReturnType<typeof watchStock> | undefined;
  let runStartedAt = 0;

  before(async () => {
    stack = await createTestStack('traffic');
    receiver = await startOtlpReceiver();
    const env = {
      ...stack.baseEnv,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    // The three start side by side on ports chosen first (each finds the others by URL when called): the file's
    // time budget goes to the 2-minute run, not to starting services one after another.
    const [userPort, restaurantPort] = [await freePort(), await freePort()];
    const urls = { user: `http://127.0.0.1:${userPort}`, restaurant: `http://127.0.0.1:${restaurantPort}` };
    const jwks = { JWKS_URL: `${urls.user}/.well-known/jwks.json` };
    [user, restaurant, order] = await Promise.all([
      startServiceProcess('user', { ...env, PORT: String(userPort), INSTANCE_ID: 'user-1' }),
      startServiceProcess('restaurant', {
        ...env,
        ...jwks,
        PORT: String(restaurantPort),
        INSTANCE_ID: 'restaurant-1',
      }),
      startServiceProcess('order', {
        ...env,
        ...jwks,
        INSTANCE_ID: 'order-1',
        USER_SERVICE_URL: urls.user,
        RESTAURANT_SERVICE_URL: urls.restaurant,
      }),
    ]);
    // A small stock on the menus the journeys order from: at RATE (about 14 units a second) it would be gone in
    // a dozen seconds; the generator must keep resetting it.
    const reset = await request(`${restaurant.url}/admin/stock/reset`, {
      body: { stock: STOCK, menu_ids: MENUS },
    });
    expect(reset.status).toBe(200);
    stock = watchStock(stack.db.url, MENUS);
    traffic = await startTrafficProcess<TrafficState>({
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
      ORDER_SERVICE_URL: order.url,
      TRAFFIC_RATE: String(RATE),
      TRAFFIC_MENUS: MENUS.join(','),
      TRAFFIC_STOCK_LOW: '40',
      TRAFFIC_STOCK_REFILL: String(STOCK),
      TRAFFIC_STOCK_CHECK_MS: '250',
      TRAFFIC_SESSIONS: '5',
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      // One journey in four traced (the services follow the generator's decision): enough traces, less CPU.
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    runStartedAt = performance.now();
  });

  after(async () => {
    await stock?.stop();
    await traffic?.stop();
    await Promise.allSettled([order?.stop(), restaurant?.stop(), user?.stop()]);
    await receiver?.close();
    await stack?.teardown();
  });

  it('reaches its target rate within 10 %, every journey succeeding', async (t) => {
    t.diagnostic(
      `traffic running ${((runStartedAt - fileStartedAt) / 1000).toFixed(1)} s after the file began`,
    );
    await sleep(2000); // the first arrivals' latency (JIT, caches) settles
    const rate = await measuredRates(traffic, 10);
    t.diagnostic(
      `started ${rate.started.toFixed(2)}, finished ${rate.finished.toFixed(2)} journeys/s for a target of ${RATE}`,
    );
    expect(Math.abs(rate.started - RATE) / RATE).toBeLessThanOrEqual(0.1);
    // The journey mix: each journey starts at its share of the rate (one arrival either way per stream).
    const weights = JOURNEYS.reduce((sum, journey) => sum + DEFAULT_MIX[journey], 0);
    for (const journey of JOURNEYS) {
      const expected = (RATE * DEFAULT_MIX[journey]) / weights;
      expect([journey, Math.abs(rate.byJourney[journey] - expected) <= expected * 0.1 + 0.11]).toEqual([
        journey,
        true,
      ]);
    }
    // The services kept up (on a quiet machine finished ≈ started; 2 cores shared with other tests here).
    expect(rate.finished / rate.started).toBeGreaterThanOrEqual(0.8);
    const metrics = await traffic.metrics();
    expect(sumOf(metrics, 'traffic_journey_failures_total')).toBe(0);
    expect(sumOf(metrics, 'traffic_arrivals_dropped_total')).toBe(0);
    // Every kind of journey ran, bad input included (answered with its 4xx, which is a success).
    for (const journey of ['browse', 'order', 'order-cancel', 'login', 'signup', 'bad-input']) {
      expect([journey, sumOf(metrics, 'traffic_journeys_total', { journey, result: 'ok' }) > 0]).toEqual([
        journey,
        true,
      ]);
    }
    // The steps of the journeys: sign up and log in, browse, order, read the order, cancel it (and the second
    // cancel refused), and the bad input answered with its 4xx.
    const answered = (step: string, statusClass: string) =>
      sumOf(metrics, 'traffic_requests_total', { step, status_class: statusClass }) > 0;
    for (const [step, statusClass] of [
      ['POST /signup', '2xx'],
      ['POST /login', '2xx'],
      ['GET /menus', '2xx'],
      ['GET /menus/:id', '2xx'],
      ['POST /orders', '2xx'],
      ['GET /orders/:id', '2xx'],
      ['POST /orders/:id/cancel', '2xx'],
      ['POST /orders/:id/cancel (again)', '4xx'],
      ['POST /orders (invalid)', '4xx'],
      ['GET /menus/:id (missing)', '4xx'],
      ['POST /login (wrong password)', '4xx'],
    ]) {
      expect([step, statusClass, answered(step, statusClass)]).toEqual([step, statusClass, true]);
    }
    expect(sumOf(metrics, 'traffic_target_rate')).toBe(RATE);
    // Orders of one to three items, from the order service's own table.
    const client = new Client({ connectionString: stack.db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ items: number; orders: number }>(
        `SELECT "items"::int, count(*)::int AS "orders"
           FROM (SELECT count(*) AS "items" FROM "order"."order_items" GROUP BY "order_id") AS "per_order"
          GROUP BY "items" ORDER BY "items"`,
      );
      t.diagnostic(`orders by item count: ${JSON.stringify(rows)}`);
      expect(rows.map((row) => row.items)).toEqual([1, 2, 3]);
    } finally {
      await client.end();
    }
  });

  it('follows the steering within 5 s: rate, mix, stop and start', async (t) => {
    // 30/s: each of the six journey streams keeps its own schedule, so a 4 s window may hold one arrival more or
    // less per stream (±6); at 30/s that is within 5 %.
    expect((await traffic.post('/rate', { rate: 30 })).status).toBe(200);
    await sleep(1000);
    const faster = (await measuredRates(traffic, 4)).started; // from 1 s to 5 s after the change
    expect(Math.abs(faster - 30) / 30).toBeLessThanOrEqual(0.1);

    const browseOnly = { browse: 1, order: 0, 'order-cancel': 0, login: 0, signup: 0, 'bad-input': 0 };
    expect((await traffic.post('/mix', { mix: browseOnly })).body.mix).toEqual(browseOnly);
    // From the change on, only browse journeys start (orders already under way still finish).
    const started = async (journey: string) =>
      sumOf(await traffic.metrics(), 'traffic_journeys_started_total', { journey });
    const ordersBefore = await started('order');
    const browseBefore = await started('browse');
    await sleep(2000);
    expect(await started('order')).toBe(ordersBefore);
    expect((await started('browse')) - browseBefore).toBeGreaterThan(40);

    const stopped = await traffic.post('/stop');
    expect([stopped.status, stopped.body.running]).toEqual([200, false]);
    await sleep(1000);
    expect((await measuredRates(traffic, 2)).started).toBe(0);
    expect(sumOf(await traffic.metrics(), 'traffic_target_rate')).toBe(0);

    expect(
      (
        await traffic.post('/mix', {
          mix: { order: 30, 'order-cancel': 10, browse: 40, login: 8, signup: 4, 'bad-input': 8 },
        })
      ).status,
    ).toBe(200);
    expect((await traffic.post('/rate', { rate: RATE })).status).toBe(200);
    expect((await traffic.post('/start')).body).toMatchObject({ running: true, rate: RATE });
    await sleep(1000);
    const resumed = (await measuredRates(traffic, 4)).started;
    t.diagnostic(`after steering: ${faster.toFixed(2)}/s for 30, ${resumed.toFixed(2)}/s for ${RATE}`);
    expect(Math.abs(resumed - RATE) / RATE).toBeLessThanOrEqual(0.1);
  });

  it('refuses bad steering with a 4xx in the common error shape, and changes nothing', async () => {
    const before = await traffic.state();
    for (const [path, body] of [
      ['/rate', { rate: -1 }],
      ['/rate', { rate: 1e9 }],
      ['/rate', { rate: '5' }],
      ['/rate', {}],
      ['/rate', { rate: 5, extra: true }],
      ['/rate', '{not json'],
      ['/mix', { mix: { teleport: 5 } }],
      ['/mix', { mix: { order: -1 } }],
      ['/mix', { mix: {} }],
      ['/mix', { mix: { browse: 0, order: 0, 'order-cancel': 0, login: 0, signup: 0, 'bad-input': 0 } }],
    ] as const) {
      const answer = await traffic.post(path, body);
      expect([path, body, answer.status]).toEqual([path, body, 400]);
      expect(answer.body).toEqual({
        statusCode: 400,
        code: expect.any(String),
        message: expect.any(String),
        traceId: expect.anything(),
      });
    }
    expect((await traffic.post('/nowhere')).status).toBe(404);
    const after = await traffic.state();
    expect([after.rate, after.mix, after.running]).toEqual([before.rate, before.mix, before.running]);
  });

  it('starts each journey’s trace at the generator; the services’ spans are its children', async () => {
    // An order-service server span whose trace's root is an order journey of the generator.
    const orderJourneyServer = (all: ReceivedSpan[]) =>
      all.find(
        (span) =>
          span.service === 'order-service' &&
          span.kind === 2 &&
          span.name === 'POST /orders' &&
          all.some(
            (root) =>
              root.traceId === span.traceId &&
              root.service === 'traffic-generator' &&
              !root.parentSpanId &&
              root.name === 'journey order',
          ),
      );
    const spans = await receiver.waitForSpans('an order journey traced through the order service', (all) =>
      Boolean(orderJourneyServer(all)),
    );
    const server = orderJourneyServer(spans)!;
    const trace = spans.filter((span) => span.traceId === server.traceId);
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const root = trace.find((span) => !span.parentSpanId)!;
    expect([root.service, root.name]).toEqual(['traffic-generator', 'journey order']);
    // The order service's server span is the child of the generator's client span (traceparent on the call).
    const caller = byId.get(server.parentSpanId!)!;
    expect([caller.service, caller.kind]).toEqual(['traffic-generator', 3]);
    expect(root.resource['service.name']).toBe('traffic-generator');
  });

  it('counts a fault’s failures by step, without retrying them away', async () => {
    // The payment fault's failures (by step and reason) and the order journeys they failed.
    const counts = (metrics: Map<string, number>) => ({
      payment: sumOf(metrics, 'traffic_journey_failures_total', { step: 'POST /orders', reason: /PAYMENT/ }),
      failedJourneys: sumOf(metrics, 'traffic_journeys_total', { journey: /^order/, result: 'failed' }),
    });
    // The default mix at the test's rate, whatever an earlier test left.
    await traffic.post('/mix', { mix: DEFAULT_MIX });
    await traffic.post('/rate', { rate: RATE });
    await traffic.post('/start');
    const before = counts(await traffic.metrics());
    const chaos = await request(`${order.url}/chaos/payment_fail`, { body: { fail_percent: 100 } });
    expect(chaos.status).toBeLessThan(300);
    try {
      const rising = await waitFor(
        'payment failures in the generator’s metrics',
        async () => {
          const metrics = await traffic.metrics();
          const now = counts(metrics);
          return now.payment - before.payment >= 10 && now.failedJourneys > before.failedJourneys && metrics;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(counts(rising).payment - before.payment).toBeGreaterThanOrEqual(10);
      expect(counts(rising).failedJourneys).toBeGreaterThan(before.failedJourneys);
      // Not retried: each failed journey made exactly one order call.
      const orderCalls = sumOf(rising, 'traffic_requests_total', { step: 'POST /orders' });
      const orderJourneys = sumOf(rising, 'traffic_journeys_total', {
        journey: /^order/,
        result: /^(ok|failed)$/,
      });
      // In flight from the same scrape: the state endpoint, read a moment later, raced with journeys ending.
      expect(orderCalls).toBeLessThanOrEqual(orderJourneys + sumOf(rising, 'traffic_journeys_in_flight'));
    } finally {
      await request(`${order.url}/chaos/payment_fail`, { body: { fail_percent: 0 } });
    }
  });

  it('keeps stock available over a 2-minute run: operator resets, and no journey failed for want of stock', async (t) => {
    // The default mix at the test's rate for the rest of the run, whatever an earlier test left.
    await traffic.post('/mix', { mix: DEFAULT_MIX });
    await traffic.post('/rate', { rate: RATE });
    await traffic.post('/start');
    const remaining = RUN_MS - (performance.now() - runStartedAt);
    if (remaining > 0) await sleep(remaining);
    const seen = await stock!.stop();
    // The stock check keeps running between reads: take the state between two scrapes that agree on the resets.
    let metrics = await traffic.metrics();
    let state = await traffic.state();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const after = await traffic.metrics();
      const agreed =
        sumOf(after, 'traffic_stock_resets_total', { outcome: 'ok' }) ===
        sumOf(metrics, 'traffic_stock_resets_total', { outcome: 'ok' });
      metrics = after;
      if (agreed) break;
      state = await traffic.state();
    }
    // Units the confirmed orders took, from the order service's table.
    const client = new Client({ connectionString: stack.db.url });
    await client.connect();
    const taken = await client
      .query<{ units: number }>(
        `SELECT coalesce(sum("item"."quantity"), 0)::int AS "units"
           FROM "order"."order_items" AS "item" JOIN "order"."orders" AS "o" ON "o"."id" = "item"."order_id"
          WHERE "o"."status" = 'CONFIRMED'`,
      )
      .finally(() => client.end());
    const units = taken.rows[0].units;
    t.diagnostic(
      `${((performance.now() - runStartedAt) / 1000).toFixed(0)} s of traffic: ${units} units ordered from ${MENUS.length} menus of ${STOCK}, ${state.stock_resets} stock resets, lowest stock seen ${seen.lowest} in ${seen.reads} reads`,
    );
    // Without the resets the stock would have run out: the orders took more than the menus held.
    expect(units).toBeGreaterThan(MENUS.length * STOCK);
    expect(state.stock_resets).toBeGreaterThanOrEqual(10);
    expect(sumOf(metrics, 'traffic_stock_resets_total', { outcome: 'ok' })).toBe(state.stock_resets);
    expect(sumOf(metrics, 'traffic_stock_resets_total', { outcome: 'failed' })).toBe(0);
    // Never out of stock: not in the table (read every 100 ms), not in any journey's failures.
    expect(seen.errors).toBe(0);
    expect(seen.reads).toBeGreaterThan(RUN_MS / 100 / 4);
    expect(seen.lowest).toBeGreaterThan(0);
    expect(sumOf(metrics, 'traffic_journey_failures_total', { reason: /STOCK/ })).toBe(0);
    // The resets keep the restaurant's stock invariant: every unit is accounted for.
    const audit = await request<{ ok: boolean }>(`${restaurant.url}/inventory/audit`);
    expect(audit.body.ok).toBe(true);
  });
});
