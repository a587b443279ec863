// The traffic generator against the three services as real processes: it holds its rate, follows the steering,
// its journeys are traces that start at the generator, an operator stock reset keeps a small stock from running
// out, and a fault's failures show up in its metrics. One generator for the whole file, about a minute of traffic.
import {
  createTestStack,
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
import { DEFAULT_MIX, type TrafficState } from '../generator';

type TrafficProcess = TrafficProcessOf<TrafficState>;

const RATE = 20;
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
  };
}

describe('traffic generator against real services', () => {
  let stack: TestStack;
  let receiver: OtlpReceiver;
  let user: ServiceProcess;
  let restaurant: ServiceProcess;
  let order: ServiceProcess;
  let traffic: TrafficProcess;

  before(async () => {
    stack = await createTestStack('traffic');
    receiver = await startOtlpReceiver();
    const env = {
      ...stack.baseEnv,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    user = await startServiceProcess('user', { ...env, INSTANCE_ID: 'user-1' });
    const jwks = { JWKS_URL: `${user.url}/.well-known/jwks.json` };
    restaurant = await startServiceProcess('restaurant', { ...env, ...jwks, INSTANCE_ID: 'restaurant-1' });
    order = await startServiceProcess('order', {
      ...env,
      ...jwks,
      INSTANCE_ID: 'order-1',
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
    });
    // A small stock on the two menus the journeys order from: the generator must keep resetting it.
    const reset = await request(`${restaurant.url}/admin/stock/reset`, {
      body: { stock: 60, menu_ids: [1, 2] },
    });
    expect(reset.status).toBe(200);
    traffic = await startTrafficProcess<TrafficState>({
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
      ORDER_SERVICE_URL: order.url,
      TRAFFIC_RATE: String(RATE),
      TRAFFIC_MENUS: '1,2',
      TRAFFIC_STOCK_LOW: '40',
      TRAFFIC_STOCK_REFILL: '60',
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
  });

  after(async () => {
    await traffic?.stop();
    await Promise.allSettled([order?.stop(), restaurant?.stop(), user?.stop()]);
    await receiver?.close();
    await stack?.teardown();
  });

  it('reaches its target rate within 10 %, every journey succeeding', async (t) => {
    await sleep(2000); // the first arrivals' latency (JIT, caches) settles
    const rate = await measuredRates(traffic, 10);
    t.diagnostic(
      `started ${rate.started.toFixed(2)}, finished ${rate.finished.toFixed(2)} journeys/s for a target of ${RATE}`,
    );
    expect(Math.abs(rate.started - RATE) / RATE).toBeLessThanOrEqual(0.1);
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
    for (const step of [
      'POST /orders (invalid)',
      'GET /menus/:id (missing)',
      'POST /login (wrong password)',
    ]) {
      expect([step, sumOf(metrics, 'traffic_requests_total', { step, status_class: '4xx' }) > 0]).toEqual([
        step,
        true,
      ]);
    }
    expect(sumOf(metrics, 'traffic_target_rate')).toBe(RATE);
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

  it('keeps stock available with operator resets: no journey failed for want of stock', async (t) => {
    const state = await traffic.state();
    t.diagnostic(`${state.stock_resets} stock resets`);
    expect(state.stock_resets).toBeGreaterThanOrEqual(3);
    const metrics = await traffic.metrics();
    expect(sumOf(metrics, 'traffic_stock_resets_total', { outcome: 'ok' })).toBe(state.stock_resets);
    expect(sumOf(metrics, 'traffic_stock_resets_total', { outcome: 'failed' })).toBe(0);
    expect(sumOf(metrics, 'traffic_journey_failures_total', { reason: /STOCK/ })).toBe(0);
    const menus = await request<{ id: number; inventory: number }[]>(`${restaurant.url}/menus`);
    for (const menu of menus.body.filter((candidate) => [1, 2].includes(candidate.id))) {
      expect(menu.inventory).toBeGreaterThan(0);
    }
    // The resets keep the restaurant's stock invariant: every unit is accounted for.
    const audit = await request<{ ok: boolean }>(`${restaurant.url}/inventory/audit`);
    expect(audit.body.ok).toBe(true);
  });

  it('counts a fault’s failures by step, without retrying them away', async () => {
    const failedOrders = async () =>
      sumOf(await traffic.metrics(), 'traffic_journey_failures_total', { step: 'POST /orders' });
    // The default mix at the test's rate, whatever an earlier test left.
    await traffic.post('/mix', { mix: DEFAULT_MIX });
    await traffic.post('/rate', { rate: RATE });
    await traffic.post('/start');
    const before = await failedOrders();
    const chaos = await request(`${order.url}/chaos/payment_fail`, { body: { fail_percent: 100 } });
    expect(chaos.status).toBeLessThan(300);
    try {
      const rising = await waitFor(
        'order failures in the generator’s metrics',
        async () => (await failedOrders()) - before >= 10 && (await traffic.metrics()),
        { timeoutMs: 15_000, intervalMs: 250 },
      );
      expect(
        sumOf(rising, 'traffic_journey_failures_total', { step: 'POST /orders', reason: /PAYMENT/ }),
      ).toBeGreaterThan(0);
      expect(sumOf(rising, 'traffic_journeys_total', { journey: 'order', result: 'failed' })).toBeGreaterThan(
        0,
      );
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
});
