import { expect } from 'expect';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  createRemotePeer,
  createTestStack,
  createTestTokens,
  remotePeerUnavailable,
  request,
  TcpProxy,
  viaProxy,
  waitFor,
  type JsonResponse,
  type RunningService,
  type TestStack,
} from '@food-delivery/testing';
import {
  context,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type ContextManager,
  type Span,
} from '@opentelemetry/api';
import Redis from 'ioredis';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  constants,
  monitorEventLoopDelay,
  PerformanceObserver,
  type PerformanceEntry,
} from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { probeApp } from './probe-app';

const KEY = 'test-chaos-key-0123';

/** Requests in parallel batches (bounded, so 1000 calls do not open 1000 sockets at once). */
async function many(
  count: number,
  call: () => Promise<JsonResponse>,
  concurrency = 50,
): Promise<JsonResponse[]> {
  const results: JsonResponse[] = [];
  for (let done = 0; done < count; done += concurrency) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, count - done) }, call))));
  }
  return results;
}

async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await call();
  return { ms: performance.now() - started, result };
}

/** A request left running: whether it has ended, and how (an answer, or its connection closed). */
function inFlight(url: string, init: RequestInit = {}) {
  let outcome: 'pending' | 'answered' | 'closed' = 'pending';
  const done = fetch(url, init).then(
    async (res) => {
      await res.text();
      outcome = 'answered';
    },
    () => {
      outcome = 'closed';
    },
  );
  return { done, outcome: () => outcome };
}

const faultIds = async (service: RunningService) =>
  ((await request(`${service.url}/chaos`)).body.faults as { id: string }[]).map((fault) => fault.id);

/** Waits until `service` sees exactly these fault ids (state travels over pub/sub). */
const sees = (service: RunningService, ids: string[]) =>
  waitFor(`${service.env.INSTANCE_ID} to see [${ids.join(',')}]`, async () => {
    const seen = await faultIds(service);
    return JSON.stringify(seen.sort()) === JSON.stringify([...ids].sort());
  });

describe('chaos control plane (two replicas, real Redis, real HTTP)', () => {
  let stack: TestStack;
  let a: RunningService;
  let b: RunningService;
  let redis: Redis;
  const tokens = createTestTokens();

  const post = (service: RunningService, knob: string, body: unknown, headers?: Record<string, string>) =>
    request(`${service.url}/chaos/${knob}`, { body, headers });
  const reset = (service: RunningService, headers?: Record<string, string>) =>
    request(`${service.url}/chaos`, { method: 'DELETE', headers });

  before(async () => {
    stack = await createTestStack('chaos');
    const env = { CHAOS_SYNC_INTERVAL_MS: '300', CHAOS_MAX_HUNG_REQUESTS: '3' };
    a = await stack.start(probeApp({ tokens }), { ...env, INSTANCE_ID: 'probe-a' });
    b = await stack.start(probeApp({ tokens }), { ...env, INSTANCE_ID: 'probe-b' });
    redis = new Redis(stack.redis.url, { keyPrefix: stack.redis.prefix });
  });

  after(async () => {
    redis?.disconnect();
    await stack?.teardown();
  });

  afterEach(async () => {
    expect((await reset(a)).status).toBe(200);
    await sees(b, []);
  });

  describe('state shared by replicas', () => {
    it('reports the replica, the knobs and that state is shared', async () => {
      const res = await request(`${a.url}/chaos`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        service: 'chaos-probe',
        instance: 'probe-a',
        shared: true,
        redis: 'connected',
        knobs: [
          'delay',
          'error',
          'inventory_delay',
          'payment_fail',
          'crash',
          'cpu',
          'event_loop_block',
          'memory_leak',
          'gc_pressure',
          'hang',
        ],
        catalogue: expect.any(Array),
        faults: [],
      });
    });

    it('lists every knob with its endpoint and the JSON schema of its body', async () => {
      const catalogue = (await request(`${a.url}/chaos`)).body.catalogue as {
        name: string;
        endpoint: string;
        schema: { properties: Record<string, Record<string, unknown>>; required?: string[] };
      }[];
      expect(catalogue.map((knob) => knob.endpoint)).toEqual([
        'POST /chaos/delay',
        'POST /chaos/error',
        'POST /chaos/inventory_delay',
        'POST /chaos/payment_fail',
        'POST /chaos/crash',
        'POST /chaos/cpu',
        'POST /chaos/event_loop_block',
        'POST /chaos/memory_leak',
        'POST /chaos/gc_pressure',
        'POST /chaos/hang',
      ]);
      const delay = catalogue.find((knob) => knob.name === 'delay')!;
      // delay and error take a match too (targeted faults).
      for (const name of ['delay', 'error'])
        expect(catalogue.find((knob) => knob.name === name)!.schema.properties.match).toMatchObject({
          type: 'object',
        });
      expect(delay.schema.required).toEqual(['delay_ms']);
      expect(delay.schema.properties.delay_ms).toMatchObject({ type: 'number', minimum: 0, maximum: 60000 });
      expect(delay.schema.properties.routes).toMatchObject({ type: 'array', items: { type: 'string' } });
      const inventory = catalogue.find((knob) => knob.name === 'inventory_delay')!;
      expect(inventory.schema.properties.match).toMatchObject({
        type: 'object',
        properties: { menu_id: { type: 'array', items: { type: 'number' } } },
      });
    });

    it('a fault set on one replica applies on both', async () => {
      const set = await post(a, 'error', { enable: true, percent: 100 });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({
        action: 'set',
        shared: true,
        cleared: 0,
        fault: { id: 'error', type: 'error', percent: 100, status: 500, routes: null, set_by: 'probe-a' },
      });
      await sees(b, ['error']);
      for (const replica of [a, b]) {
        const res = await request(`${replica.url}/ping`);
        expect(res.status).toBe(500);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(res.body).toEqual({
          statusCode: 500,
          code: 'CHAOS_INJECTED',
          message: expect.stringContaining('100%'),
          detail: res.body.message,
          traceId: expect.any(String),
        });
      }
      const onB = (await request(`${b.url}/chaos`)).body;
      expect(onB.faults[0]).toMatchObject({
        set_by: 'probe-a',
        set_at: set.body.fault.set_at,
        expires_at: null,
        ttl_remaining_s: null,
        shared: true,
        applies_here: true,
      });
    });

    it('a reset on either replica clears both', async () => {
      await post(a, 'delay', { delay_ms: 50 });
      await post(a, 'error', { enable: true, percent: 100 });
      await sees(b, ['delay', 'error']);
      const res = await reset(b);
      expect(res.body).toEqual({ action: 'reset', cleared: 2, shared: true });
      await sees(a, []);
      expect((await request(`${a.url}/ping`)).status).toBe(200);
      expect(
        await redis.exists(
          'chaos:chaos-probe:faults',
          'chaos:chaos-probe:fault:delay',
          'chaos:chaos-probe:fault:error',
        ),
      ).toBe(0);
    });

    it('switching a knob off on one replica switches it off on both', async () => {
      await post(b, 'error', { enable: true, percent: 100 });
      await sees(a, ['error']);
      expect((await post(a, 'error', { enable: false })).body).toEqual({
        action: 'cleared',
        cleared: 1,
        shared: true,
      });
      await sees(b, []);
      expect((await request(`${b.url}/ping`)).status).toBe(200);
    });

    it('a replica started later picks the active faults up before serving', async () => {
      await post(a, 'error', { enable: true, percent: 100, routes: ['/ping'] });
      const late = await stack.start(probeApp(), { INSTANCE_ID: 'probe-late' });
      try {
        // No waiting: the first request already sees the fault.
        expect((await request(`${late.url}/ping`)).status).toBe(500);
        expect(await faultIds(late)).toEqual(['error']);
      } finally {
        await late.close();
      }
    });

    it('repairs a missed message with the periodic resync', async () => {
      // Written straight to Redis without publishing: only the resync can bring it in.
      const fault = {
        type: 'error',
        percent: 100,
        status: 503,
        routes: null,
        instance: null,
        set_at: new Date().toISOString(),
        set_by: 'elsewhere',
        expires_at: null,
      };
      await redis
        .multi()
        .set('chaos:chaos-probe:fault:error', JSON.stringify(fault))
        .sadd('chaos:chaos-probe:faults', 'error')
        .exec();
      await sees(a, ['error']);
      await sees(b, ['error']);
      expect((await request(`${b.url}/ping`)).status).toBe(503);
    });
  });

  describe('ttl_s', () => {
    it('expires on every replica and in Redis', async () => {
      const set = await post(a, 'error', { enable: true, percent: 100, ttl_s: 1 });
      expect(set.body.fault.ttl_remaining_s).toBe(1);
      expect(Date.parse(set.body.fault.expires_at) - Date.parse(set.body.fault.set_at)).toBe(1000);
      await sees(b, ['error']);
      const pttl = await redis.pttl('chaos:chaos-probe:fault:error');
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(1000);
      expect((await request(`${b.url}/ping`)).status).toBe(500);
      await new Promise((resolve) => setTimeout(resolve, 1050));
      for (const replica of [a, b]) {
        expect((await request(`${replica.url}/ping`)).status).toBe(200);
        expect(await faultIds(replica)).toEqual([]);
      }
      expect(await redis.exists('chaos:chaos-probe:fault:error')).toBe(0);
      // The next resync prunes the index entry of the expired key.
      await waitFor(
        'index pruned',
        async () => (await redis.smembers('chaos:chaos-probe:faults')).length === 0,
      );
    });
  });

  describe('routes', () => {
    it('limits a fault to the listed path patterns', async () => {
      await post(a, 'error', { enable: true, percent: 100, routes: ['/users/*', '/validate'] });
      expect((await request(`${a.url}/users/1`)).status).toBe(500);
      expect((await request(`${a.url}/validate`, { body: {} })).status).toBe(500);
      expect((await request(`${a.url}/validate?x=1`, { body: {} })).status).toBe(500);
      expect((await request(`${a.url}/ping`)).status).toBe(200);
      expect((await request(`${a.url}/users/1/orders`)).status).toBe(404);
    });

    it('accepts route templates and "**"', async () => {
      await post(a, 'error', { enable: true, percent: 100, routes: ['/users/:id'] });
      expect((await request(`${a.url}/users/7`)).status).toBe(500);
      expect((await request(`${a.url}/ping`)).status).toBe(200);
      await post(a, 'error', { enable: true, percent: 100, routes: ['/**'] });
      expect((await request(`${a.url}/ping`)).status).toBe(500);
    });
  });

  describe('instance', () => {
    it('aims a fault at one replica; a targeted fault wins over a global one there', async () => {
      const set = await post(a, 'error', { enable: true, percent: 100, status: 503, instance: 'probe-b' });
      expect(set.body.fault).toMatchObject({ id: 'error@probe-b', instance: 'probe-b', applies_here: false });
      await sees(b, ['error@probe-b']);
      expect((await request(`${a.url}/ping`)).status).toBe(200);
      expect((await request(`${b.url}/ping`)).status).toBe(503);
      expect((await request(`${b.url}/chaos`)).body.faults[0].applies_here).toBe(true);

      await post(a, 'error', { enable: true, percent: 100, status: 500 });
      await sees(b, ['error', 'error@probe-b']);
      expect((await request(`${a.url}/ping`)).status).toBe(500);
      expect((await request(`${b.url}/ping`)).status).toBe(503);

      // Off for one replica: the global fault applies there again.
      await post(a, 'error', { enable: false, instance: 'probe-b' });
      await sees(b, ['error']);
      expect((await request(`${b.url}/ping`)).status).toBe(500);

      // Off without instance: off everywhere, targeted faults included.
      await post(b, 'error', { enable: true, percent: 100, instance: 'probe-a' });
      await sees(a, ['error', 'error@probe-a']);
      expect((await post(b, 'error', { enable: false })).body.cleared).toBe(2);
      await sees(a, []);
    });
  });

  describe('percent', () => {
    it('answers about 30% of 1000 calls with errors when percent is 30', async () => {
      await post(a, 'error', { enable: true, percent: 30, status: 502 });
      const results = await many(1000, () => request(`${a.url}/ping`));
      const failed = results.filter((res) => res.status === 502).length;
      expect(results.filter((res) => res.status !== 502 && res.status !== 200)).toEqual([]);
      expect(failed).toBeGreaterThanOrEqual(250);
      expect(failed).toBeLessThanOrEqual(350);
    });

    it('defaults to 50% for errors ({"enable": true})', async () => {
      await post(a, 'error', { enable: true });
      const results = await many(400, () => request(`${a.url}/ping`));
      const failed = results.filter((res) => res.status === 500).length;
      expect(failed).toBeGreaterThan(140);
      expect(failed).toBeLessThan(260);
    });
  });

  describe('delay', () => {
    it('delays only the targeted routes, and never the concurrent untargeted requests', async () => {
      await post(a, 'delay', { delay_ms: 600, routes: ['/validate'] });
      const slow = Array.from({ length: 5 }, () => timed(() => request(`${a.url}/validate`, { body: {} })));
      const fast = await timed(() => request(`${a.url}/ping`));
      expect(fast.result.status).toBe(200);
      expect(fast.ms).toBeLessThan(300);
      const slowResults = await Promise.all(slow);
      for (const { ms, result } of slowResults) {
        expect(result.status).toBe(200);
        expect(result.headers.get('x-chaos-injected')).toBe('delay;ms=600');
        expect(ms).toBeGreaterThanOrEqual(590);
        // Timers, not a queue: five concurrent delayed calls take one delay, not five.
        expect(ms).toBeLessThan(1500);
      }
    });

    it('applies on every replica and honours percent', async () => {
      await post(b, 'delay', { delay_ms: 300, percent: 100 });
      await sees(a, ['delay']);
      expect((await timed(() => request(`${a.url}/ping`))).ms).toBeGreaterThanOrEqual(290);
      await post(b, 'delay', { delay_ms: 300, percent: 0 });
      await waitFor(
        'percent 0 on a',
        async () => (await request(`${a.url}/chaos`)).body.faults[0]?.percent === 0,
      );
      expect((await timed(() => request(`${a.url}/ping`))).ms).toBeLessThan(250);
    });
  });

  describe('operators can always see and undo faults', () => {
    it('never delays or fails /chaos, /health, /metrics or the docs', async () => {
      await post(a, 'delay', { delay_ms: 1000 });
      await post(a, 'error', { enable: true, percent: 100 });
      for (const path of [
        '/chaos',
        '/health/live',
        '/metrics',
        '/docs',
        '/docs-json',
        '/redoc',
        '/%63haos',
      ]) {
        const { ms, result } = await timed(() => request(`${a.url}${path}`));
        expect([path, result.status]).toEqual([path, 200]);
        expect(ms).toBeLessThan(500);
      }
      // The original could not reliably turn errors off: it failed half the time itself.
      const off = await timed(() => post(a, 'error', { enable: false }));
      expect([off.result.status, off.ms < 500]).toEqual([200, true]);
      const { ms, result } = await timed(() => request(`${a.url}/ping`));
      expect(result.status).toBe(200);
      expect(ms).toBeGreaterThanOrEqual(990);
    });
  });

  describe('invalid bodies', () => {
    const bad: [string, string, unknown, RegExp][] = [
      ['delay', 'a negative delay', { delay_ms: -1 }, /delay_ms must not be less than 0/],
      ['delay', 'a delay over 60 s', { delay_ms: 60001 }, /delay_ms must not be greater than 60000/],
      ['delay', 'a string delay', { delay_ms: '1500' }, /delay_ms must be an integer/],
      ['delay', 'a jitter over 60 s', { delay_ms: 10, jitter_ms: 70000 }, /jitter_ms/],
      ['delay', 'percent 101', { delay_ms: 10, percent: 101 }, /percent must not be greater than 100/],
      ['delay', 'ttl_s 0', { delay_ms: 10, ttl_s: 0 }, /ttl_s must not be less than 1/],
      ['delay', 'ttl_s over a day', { delay_ms: 10, ttl_s: 86401 }, /ttl_s must not be greater than 86400/],
      ['delay', '21 routes', { delay_ms: 10, routes: Array.from({ length: 21 }, (_, i) => `/r${i}`) }, /20/],
      ['delay', 'a relative route', { delay_ms: 10, routes: ['users'] }, /start with "\/"/],
      ['delay', 'a bad instance', { delay_ms: 10, instance: 'no spaces' }, /instance must be/],
      [
        'delay',
        'an unknown field',
        { delay_ms: 10, everything: true },
        /property everything should not exist/,
      ],
      ['error', 'enable as a string', { enable: 'yes' }, /enable must be a boolean/],
      ['error', 'status 404', { enable: true, status: 404 }, /status must not be less than 500/],
      ['error', 'no enable', { percent: 10 }, /enable must be a boolean/],
      [
        'payment_fail',
        'fail_percent 150',
        { fail_percent: 150 },
        /fail_percent must not be greater than 100/,
      ],
      ['inventory_delay', 'a huge delay', { delay_ms: 1e9 }, /delay_ms must not be greater than 60000/],
      ['delay', 'a JSON array', [{ delay_ms: 10 }], /./],
    ];

    it('answer 400 VALIDATION_FAILED and change nothing', async () => {
      await post(a, 'delay', { delay_ms: 20, routes: ['/validate'] });
      await sees(b, ['delay']);
      const before = (await request(`${b.url}/chaos`)).body.faults;
      for (const [knob, name, body, message] of bad) {
        const res = await post(a, knob, body);
        expect([name, res.status, res.body.code]).toEqual([name, 400, 'VALIDATION_FAILED']);
        expect([name, res.body.message]).toEqual([name, expect.stringMatching(message)]);
        expect(res.body.traceId).toEqual(expect.any(String));
      }
      const json = await request(`${a.url}/chaos/delay`, {
        method: 'POST',
        raw: '{"delay_ms": ',
        headers: { 'content-type': 'application/json' },
      });
      expect([json.status, json.body.code]).toEqual([400, 'INVALID_JSON']);
      await new Promise((resolve) => setTimeout(resolve, 400)); // one resync interval
      expect((await request(`${a.url}/chaos`)).body.faults).toEqual(before);
      expect((await request(`${b.url}/chaos`)).body.faults).toEqual(before);
    });
  });

  describe('service knobs', () => {
    it('inventory_delay: applyInventoryDelay waits on a timer and reports the wait', async () => {
      expect((await request(`${a.url}/inventory`, { method: 'POST' })).body).toEqual({ waited_ms: 0 });
      await post(a, 'inventory_delay', { delay_ms: 400 });
      await sees(b, ['inventory_delay']);
      const calls = await timed(() =>
        Promise.all(Array.from({ length: 5 }, () => request(`${b.url}/inventory`, { method: 'POST' }))),
      );
      for (const res of calls.result) expect(res.body.waited_ms).toBeGreaterThanOrEqual(395);
      expect(calls.ms).toBeLessThan(1500);
      // inventory_delay is not a request delay.
      expect((await timed(() => request(`${b.url}/ping`))).ms).toBeLessThan(250);
      expect((await post(a, 'inventory_delay', { delay_ms: 0 })).body.cleared).toBe(1);
      await sees(b, []);
      expect((await request(`${b.url}/inventory`, { method: 'POST' })).body).toEqual({ waited_ms: 0 });
    });

    it('payment_fail: shouldFailPayment follows fail_percent', async () => {
      const fails = async () =>
        (await many(300, () => request(`${a.url}/pay`, { method: 'POST' }))).filter((res) => res.body.failed)
          .length;
      expect(await fails()).toBe(0);
      await post(b, 'payment_fail', { fail_percent: 30 });
      await sees(a, ['payment_fail']);
      const failed = await fails();
      expect(failed).toBeGreaterThan(50);
      expect(failed).toBeLessThan(130);
      await post(b, 'payment_fail', { fail_percent: 100 });
      await waitFor('100%', async () => (await fails()) === 300);
      await post(b, 'payment_fail', { fail_percent: 0 });
      await sees(a, []);
      expect(await fails()).toBe(0);
    });

    it('targeted faults: match hits only the listed menu or user, on both replicas', async () => {
      await post(a, 'payment_fail', { fail_percent: 100, match: { user_id: [42] } });
      await post(a, 'inventory_delay', { delay_ms: 300, match: { menu_id: [7] } });
      await sees(b, ['inventory_delay', 'payment_fail']);
      for (const replica of [a, b]) {
        const pay = (user_id: number) =>
          request(`${replica.url}/pay`, { body: { user_id } }).then((res) => res.body.failed as boolean);
        expect(await Promise.all(Array.from({ length: 20 }, () => pay(42)))).toEqual(Array(20).fill(true));
        expect(await Promise.all(Array.from({ length: 20 }, () => pay(43)))).toEqual(Array(20).fill(false));
        const waited = (menu_id: number) =>
          request(`${replica.url}/inventory`, { body: { menu_id } }).then(
            (res) => res.body.waited_ms as number,
          );
        expect(await waited(7)).toBeGreaterThanOrEqual(295);
        expect(await waited(8)).toBe(0);
      }
    });

    it('refuses a bad match (400) and keeps the state', async () => {
      await post(a, 'payment_fail', { fail_percent: 10 });
      for (const match of [{ user_id: [] }, { menu_id: ['7'] }, { order_id: [1] }, [1]]) {
        const res = await post(a, 'payment_fail', { fail_percent: 100, match });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      const faults = (await request(`${b.url}/chaos`)).body.faults as {
        fail_percent: number;
        match: unknown;
      }[];
      expect(faults).toMatchObject([{ fail_percent: 10, match: null }]);
    });

    it('targeted delay and error: match hits only requests about the listed menu or user, on both replicas', async () => {
      await post(a, 'delay', { delay_ms: 400, match: { user_id: [5] } });
      await post(a, 'error', { enable: true, percent: 100, status: 503, match: { menu_id: [7] } });
      await sees(b, ['delay', 'error']);
      const user = (id: number) => tokens.sign({ id, username: `u${id}` });
      for (const replica of [a, b]) {
        // The user: from the path (/users/:id) or the bearer token; both decided before the handler.
        const slowPath = await timed(() => request(`${replica.url}/users/5`));
        expect([slowPath.result.status, slowPath.ms >= 395]).toEqual([200, true]);
        expect(slowPath.result.headers.get('x-chaos-injected')).toBe('delay;ms=400');
        const slowToken = await timed(() => request(`${replica.url}/ping`, { token: user(5) }));
        expect([slowToken.result.status, slowToken.ms >= 395]).toEqual([200, true]);
        for (const other of [
          () => request(`${replica.url}/users/6`),
          () => request(`${replica.url}/ping`, { token: user(6) }),
          () => request(`${replica.url}/ping`),
        ]) {
          const { ms, result } = await timed(other);
          expect([result.status, result.headers.get('x-chaos-injected')]).toEqual([200, null]);
          expect(ms).toBeLessThan(395);
        }
        // The menu: from the parsed body.
        const hit = await request(`${replica.url}/inventory`, { body: { menu_id: 7 } });
        expect([hit.status, hit.body.code]).toEqual([503, 'CHAOS_INJECTED']);
        expect((await request(`${replica.url}/inventory`, { body: { menu_id: 8 } })).status).toBe(200);
        expect((await request(`${replica.url}/inventory`, { body: {} })).status).toBe(200);
      }
      const [delay] = ((await request(`${b.url}/chaos`)).body.faults as Record<string, unknown>[]).filter(
        (fault) => fault.id === 'delay',
      );
      expect(delay).toMatchObject({ match: { user_id: [5] } });
      // Out of bounds: refused, nothing changed.
      for (const [knob, body] of [
        ['delay', { delay_ms: 10, match: { user_id: [] } }],
        ['error', { enable: true, match: { menu_id: ['7'] } }],
        ['error', { enable: true, match: [7] }],
      ] as const) {
        const res = await post(a, knob, body);
        expect([knob, res.status, res.body.code]).toEqual([knob, 400, 'VALIDATION_FAILED']);
      }
      expect(((await request(`${b.url}/chaos`)).body.faults as Record<string, unknown>[]).length).toBe(2);
    });

    it('DELETE /chaos/<knob> switches one knob off on every replica, or on one instance', async () => {
      await post(a, 'delay', { delay_ms: 50 });
      await post(a, 'delay', { delay_ms: 60, instance: 'probe-b' });
      await post(a, 'payment_fail', { fail_percent: 5 });
      await sees(b, ['delay', 'delay@probe-b', 'payment_fail']);
      const one = await request(`${b.url}/chaos/delay?instance=probe-b`, { method: 'DELETE' });
      expect(one.body).toEqual({ action: 'cleared', cleared: 1, shared: true });
      await sees(a, ['delay', 'payment_fail']);
      expect((await request(`${b.url}/chaos/delay`, { method: 'DELETE' })).body.cleared).toBe(1);
      await sees(a, ['payment_fail']);
      const unknown = await request(`${a.url}/chaos/explode`, { method: 'DELETE' });
      expect([unknown.status, unknown.body.code]).toEqual([404, 'CHAOS_KNOB_NOT_FOUND']);
      const bad = await request(`${a.url}/chaos/delay?instance=a%20b`, { method: 'DELETE' });
      expect(bad.status).toBe(400);
      await sees(b, ['payment_fail']);
    });
  });

  describe('hang', () => {
    it('holds requests unanswered on both replicas while /health, /metrics and /chaos answer; reset closes them', async () => {
      const set = await post(a, 'hang', {});
      expect(set.status).toBe(200);
      // Destructive: ends by itself when set without ttl_s.
      expect(set.body.fault.ttl_remaining_s).toBe(300);
      await sees(b, ['hang']);
      const held = [a, b].map((replica) => inFlight(`${replica.url}/ping`));
      const posted = inFlight(`${b.url}/validate`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect([...held, posted].map((call) => call.outcome())).toEqual(['pending', 'pending', 'pending']);
      for (const replica of [a, b]) {
        for (const path of ['/health/live', '/metrics', '/chaos']) {
          const { ms, result } = await timed(() => request(`${replica.url}${path}`));
          expect([path, result.status, ms < 1000]).toEqual([path, 200, true]);
        }
      }
      const metrics = (await request(`${a.url}/metrics`)).text;
      expect(metrics).toMatch(/^chaos_injections_total\{service="chaos-probe",type="hang"\} [1-9]/m);
      expect(metrics).toMatch(/^chaos_active_faults\{service="chaos-probe",type="hang"\} 1$/m);
      // One reset, on either replica, releases every held request (connection closed, nothing leaks).
      const { ms, result } = await timed(() => reset(b));
      expect([result.status, ms < 1000]).toEqual([200, true]);
      await Promise.all([...held, posted].map((call) => call.done));
      expect([...held, posted].map((call) => call.outcome())).toEqual(['closed', 'closed', 'closed']);
      for (const replica of [a, b]) expect((await request(`${replica.url}/ping`)).status).toBe(200);
    });

    it('is bounded by CHAOS_MAX_HUNG_REQUESTS (beyond it, connections are reset), honours routes and expires with its TTL', async () => {
      await post(a, 'hang', { routes: ['/ping'], ttl_s: 6 });
      await sees(b, ['hang']);
      expect((await request(`${b.url}/users/1`)).status).toBe(200);
      const hangs = async () =>
        Number(
          /^chaos_injections_total\{service="chaos-probe",type="hang"\} (\d+)$/m.exec(
            (await request(`${b.url}/metrics`)).text,
          )?.[1] ?? 0,
        );
      const before = await hangs();
      const held = Array.from({ length: 3 }, () => inFlight(`${b.url}/ping`));
      await waitFor('3 requests held', async () => (await hangs()) >= before + 3);
      // The cap (3 here): the fourth is not held but closed at once.
      const fourth = inFlight(`${b.url}/ping`);
      await fourth.done;
      expect(fourth.outcome()).toBe('closed');
      expect(held.map((call) => call.outcome())).toEqual(['pending', 'pending', 'pending']);
      // The TTL ends it on both replicas, releasing what was held.
      await sees(a, []);
      await sees(b, []);
      await Promise.all(held.map((call) => call.done));
      expect(held.map((call) => call.outcome())).toEqual(['closed', 'closed', 'closed']);
      expect((await request(`${b.url}/ping`)).status).toBe(200);
    });

    it('refuses bad bodies (400) and keeps the state', async () => {
      await post(a, 'hang', { percent: 10, ttl_s: 60 });
      await sees(b, ['hang']);
      for (const body of [
        { percent: 101 },
        { enable: 'yes' },
        { routes: [] },
        { ttl_s: 0 },
        { wait: true },
      ]) {
        const res = await post(a, 'hang', body);
        expect([body, res.status, res.body.code]).toEqual([body, 400, 'VALIDATION_FAILED']);
      }
      const faults = (await request(`${b.url}/chaos`)).body.faults as Record<string, unknown>[];
      expect(faults).toMatchObject([{ id: 'hang', percent: 10, routes: null }]);
      expect((await post(b, 'hang', { enable: false })).status).toBe(200);
      await sees(a, []);
    });
  });

  describe('process knobs', () => {
    /** CPU seconds this process (both replicas live in it) used per wall second, over `ms`. */
    const cpuRate = async (ms: number) => {
      const before = process.cpuUsage();
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, ms));
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000 / (performance.now() - started);
    };

    it('cpu: burns its share of a core on each replica, off the event loop, until reset; default TTL', async () => {
      const idle = await cpuRate(800);
      const set = await post(a, 'cpu', { load_percent: 40 });
      expect(set.status).toBe(200);
      // A destructive knob set without ttl_s ends by itself.
      expect(set.body.fault.ttl_remaining_s).toBe(300);
      await sees(b, ['cpu']);
      const busy = await cpuRate(1500);
      // Two replicas × 40% of a core = 0.8 s/s; on a shared 2-core machine the burners get descheduled
      // (0.48 s/s measured while other suites ran, 0.29 s/s once in CI beside another full suite), still far
      // above idle.
      expect(busy - idle).toBeGreaterThan(0.2);
      // The event loop stays free: a request is answered at once.
      expect((await timed(() => request(`${a.url}/ping`))).ms).toBeLessThan(200);
      expect((await reset(a)).status).toBe(200);
      await sees(b, []);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await cpuRate(800)).toBeLessThan(idle + 0.25);
    });

    it('cpu: expires with its TTL on every replica', async () => {
      await post(a, 'cpu', { load_percent: 20, ttl_s: 1 });
      await sees(b, ['cpu']);
      await sees(a, []);
      await sees(b, []);
    });

    it('event_loop_block: the main thread stalls for block_ms every every_ms, until reset', async () => {
      const stalls = async (ms: number) => {
        const histogram = monitorEventLoopDelay({ resolution: 10 });
        histogram.enable();
        await new Promise((resolve) => setTimeout(resolve, ms));
        histogram.disable();
        return histogram.max / 1e6;
      };
      const idle = await stalls(600);
      // Instance-targeted: one replica blocks (both live in this process, so the whole process stalls).
      await post(a, 'event_loop_block', { block_ms: 120, every_ms: 400, instance: 'probe-b' });
      await sees(a, ['event_loop_block@probe-b']);
      await sees(b, ['event_loop_block@probe-b']);
      const blocked = await stalls(1200);
      expect(blocked).toBeGreaterThanOrEqual(110);
      expect(blocked).toBeGreaterThan(idle + 60);
      expect((await reset(a)).status).toBe(200);
      await sees(b, []);
      expect(await stalls(900)).toBeLessThan(100);
    });

    it('memory_leak: the heap grows to max_mb per replica, and is released on reset', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      gc();
      const base = process.memoryUsage().heapUsed / 2 ** 20;
      await post(a, 'memory_leak', { mb_per_s: 40, max_mb: 30 });
      await sees(b, ['memory_leak']);
      // Two replicas × 30 MB once the cap is reached (40 MB/s: under a second), then no further growth.
      await waitFor(
        'the leak to reach its cap',
        () => process.memoryUsage().heapUsed / 2 ** 20 - base >= 55,
        {
          timeoutMs: 10_000,
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 600));
      gc();
      const held = process.memoryUsage().heapUsed / 2 ** 20 - base;
      expect(held).toBeGreaterThanOrEqual(55);
      expect(held).toBeLessThan(80);
      expect((await reset(a)).status).toBe(200);
      await sees(b, []);
      gc();
      expect(process.memoryUsage().heapUsed / 2 ** 20 - base).toBeLessThan(15);
    });

    it('gc_pressure: collections, major ones included, and GC time rise while on, and fall back after reset', async () => {
      /** Collections (major ones apart) and milliseconds spent in GC over `ms`. */
      const gcOver = async (ms: number) => {
        const seen = { all: 0, major: 0, ms: 0 };
        const observer = new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
            seen.all++;
            seen.ms += entry.duration;
            if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) seen.major++;
          }
        });
        observer.observe({ entryTypes: ['gc'] });
        await new Promise((resolve) => setTimeout(resolve, ms));
        observer.disconnect();
        return seen;
      };
      const idle = await gcOver(1000);
      await post(b, 'gc_pressure', { alloc_mb_per_s: 200, ttl_s: 30 });
      await sees(a, ['gc_pressure']);
      const churning = await gcOver(1500);
      process.stdout.write(
        `# gc_pressure: idle ${JSON.stringify(idle)} churning ${JSON.stringify(churning)}\n`,
      );
      // Churn alone gave ~38 collections and ~117 ms of GC in 1.5 s, majors rare; the 4 forced full collections
      // a second (the default) make them frequent. On a busy machine the full collections grow long and absorb
      // the scavenges (CI: 9 collections, 7 of them major, 1018 ms of GC in 1.5 s), so GC time and majors are the
      // signal, the count only has to rise.
      expect(churning.all).toBeGreaterThanOrEqual(idle.all + 5);
      expect(churning.ms).toBeGreaterThanOrEqual(idle.ms + 30);
      expect(churning.major).toBeGreaterThanOrEqual(idle.major + 3);
      expect((await reset(a)).status).toBe(200);
      await sees(b, []);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await gcOver(1000)).all).toBeLessThan(churning.all);
    });

    it('refuses process knobs out of bounds or above their cap (400), state unchanged', async () => {
      await post(a, 'cpu', { load_percent: 10, ttl_s: 30 });
      await sees(b, ['cpu']);
      for (const [knob, body] of [
        ['cpu', { load_percent: 60 }],
        ['cpu', { load_percent: 101 }],
        ['cpu', { load_percent: 12.5 }],
        ['cpu', {}],
        ['crash', { after_ms: 60_001 }],
        ['crash', { signal: 'SIGSTOP' }],
        ['crash', { repeat: 'yes' }],
        ['event_loop_block', { block_ms: 501 }],
        ['event_loop_block', { block_ms: 100, every_ms: 120 }],
        ['memory_leak', { mb_per_s: 1, max_mb: 65 }],
        ['memory_leak', { mb_per_s: 201 }],
        ['gc_pressure', { alloc_mb_per_s: 1001 }],
        ['gc_pressure', { alloc_mb_per_s: -1 }],
        ['gc_pressure', { full_gc_per_s: 21 }],
        ['gc_pressure', { full_gc_per_s: 1.5 }],
      ] as const) {
        const res = await post(a, knob, body);
        expect([knob, body, res.status, res.body.code]).toEqual([knob, body, 400, 'VALIDATION_FAILED']);
      }
      const faults = (await request(`${b.url}/chaos`)).body.faults as Record<string, unknown>[];
      expect(faults).toMatchObject([{ id: 'cpu', load_percent: 10 }]);
    });
  });

  describe('visibility', () => {
    it('counts injections and shows active faults in /metrics', async () => {
      const metric = async (line: RegExp) => {
        const match = line.exec((await request(`${a.url}/metrics`)).text);
        return match ? Number(match[1]) : 0;
      };
      const errors = /^chaos_injections_total\{service="chaos-probe",type="error"\} (\d+)$/m;
      const active = /^chaos_active_faults\{service="chaos-probe",type="error"\} (\d+)$/m;
      const before = await metric(errors);
      expect(await metric(active)).toBe(0);
      await post(a, 'error', { enable: true, percent: 100 });
      await many(5, () => request(`${a.url}/ping`));
      expect(await metric(errors)).toBe(before + 5);
      expect(await metric(active)).toBe(1);
      const text = (await request(`${a.url}/metrics`)).text;
      expect(text).toMatch(/^process_cpu_user_seconds_total\{service="chaos-probe"\} /m);
    });

    it('documents every chaos endpoint with examples', async () => {
      const spec = (await request(`${a.url}/docs-json`)).body;
      for (const [path, method] of [
        ['/chaos', 'get'],
        ['/chaos', 'delete'],
        ['/chaos/delay', 'post'],
        ['/chaos/error', 'post'],
        ['/chaos/inventory_delay', 'post'],
        ['/chaos/payment_fail', 'post'],
      ]) {
        const operation = spec.paths[path][method];
        expect([path, operation.tags]).toEqual([path, ['chaos']]);
        expect(operation.summary).toEqual(expect.any(String));
        expect(operation.responses['200'].content['application/json']).toBeDefined();
      }
      expect(
        spec.paths['/chaos/delay'].post.requestBody.content['application/json'].examples.spec.value,
      ).toEqual({
        delay_ms: 1500,
      });
      expect(
        spec.paths['/chaos/error'].post.requestBody.content['application/json'].examples.spec.value,
      ).toEqual({
        enable: true,
      });
      expect(spec.components.schemas.ChaosDelayDto.properties.delay_ms).toMatchObject({
        minimum: 0,
        maximum: 60000,
      });
      expect(spec.tags).toContainEqual(expect.objectContaining({ name: 'chaos' }));
    });
  });

  describe('access', () => {
    it('changes faults for local callers without a key, key or not', async () => {
      const keyed = await stack.start(probeApp({ service: 'chaos-keyed' }), { CHAOS_API_KEY: KEY });
      try {
        const ok = await post(keyed, 'delay', { delay_ms: 10 });
        expect([ok.status, ok.body.action]).toEqual([200, 'set']);
        expect((await reset(keyed)).body.cleared).toBe(1);
      } finally {
        await keyed.close();
      }
    });

    it(
      'needs X-Chaos-Key or an operator token to change faults from another host',
      { skip: remotePeerUnavailable() ?? false },
      async () => {
        const tokens = createTestTokens();
        const peer = await createRemotePeer();
        const keyed = await stack.start(probeApp({ service: 'chaos-keyed', tokens }), {
          CHAOS_API_KEY: KEY,
          HOST: '0.0.0.0',
        });
        try {
          const base = `${keyed.url.replace('127.0.0.1', peer.hostAddress)}/chaos`;
          const remotePost = (body: unknown, headers: Record<string, string> = {}) =>
            peer.request(`${base}/delay`, { body, headers });
          const remoteReset = (headers: Record<string, string> = {}) =>
            peer.request(base, { method: 'DELETE', headers });
          const noKey = await remotePost({ delay_ms: 10 });
          expect([noKey.status, noKey.body.code]).toEqual([401, 'CHAOS_KEY_REQUIRED']);
          const wrong = await remotePost({ delay_ms: 10 }, { 'x-chaos-key': `${KEY}x` });
          expect([wrong.status, wrong.body.code]).toEqual([401, 'CHAOS_KEY_INVALID']);
          const short = await remotePost({ delay_ms: 10 }, { 'x-chaos-key': 'x' });
          expect([short.status, short.body.code]).toEqual([401, 'CHAOS_KEY_INVALID']);
          const user = await remotePost(
            { delay_ms: 10 },
            { authorization: `Bearer ${tokens.sign({ id: 5, username: 'u' })}` },
          );
          expect([user.status, user.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
          // The key is checked before the body: no hints about valid bodies without it.
          expect((await remotePost({ delay_ms: -1 })).status).toBe(401);
          expect((await remoteReset()).status).toBe(401);
          // Every knob and the per-knob switch-off are behind the same rule.
          expect((await peer.request(`${base}/cpu`, { body: { load_percent: 10 } })).status).toBe(401);
          expect((await peer.request(`${base}/crash`, { body: {} })).status).toBe(401);
          expect((await peer.request(`${base}/delay`, { method: 'DELETE' })).status).toBe(401);
          expect((await request(`${keyed.url}/chaos`)).body.faults).toEqual([]);

          const ok = await remotePost({ delay_ms: 10 }, { 'x-chaos-key': KEY });
          expect([ok.status, ok.body.action]).toEqual([200, 'set']);
          expect((await peer.request(base)).status).toBe(200); // reading needs no key
          const byOperator = await remoteReset({ authorization: `Bearer ${tokens.operator()}` });
          expect([byOperator.status, byOperator.body.cleared]).toEqual([200, 1]);
        } finally {
          await keyed.close();
          await peer.remove();
        }
      },
    );

    it('CHAOS_ENABLED=false removes the endpoints, the docs and the hooks', async () => {
      await post(a, 'error', { enable: true, percent: 100 });
      const off = await stack.start(probeApp(), { CHAOS_ENABLED: 'false', INSTANCE_ID: 'probe-off' });
      try {
        const unknown = await request(`${off.url}/nothing-here`, { body: { delay_ms: 1 } });
        for (const [method, path] of [
          ['POST', '/chaos/delay'],
          ['POST', '/chaos/error'],
          ['GET', '/chaos'],
          ['DELETE', '/chaos'],
        ]) {
          const res = await request(`${off.url}${path}`, {
            method,
            body: method === 'POST' ? { delay_ms: 1 } : undefined,
          });
          expect([path, res.status]).toEqual([path, 404]);
          const { traceId: _a, message, detail, ...rest } = res.body;
          const { traceId: _b, message: unknownMessage, detail: _c, ...unknownRest } = unknown.body;
          expect(rest).toEqual(unknownRest);
          expect(message).toBe(`Cannot ${method} ${path}`);
          expect(detail).toBe(message);
          expect(unknownMessage).toBe('Cannot POST /nothing-here');
        }
        // The shared state says "fail every request", but this replica has no hooks.
        expect((await request(`${off.url}/ping`)).status).toBe(200);
        const spec = (await request(`${off.url}/docs-json`)).body;
        expect(Object.keys(spec.paths).filter((path) => path.startsWith('/chaos'))).toEqual([]);
        // Hiding them there leaves the other apps of this process alone.
        expect((await request(`${a.url}/docs-json`)).body.paths).toHaveProperty(['/chaos/delay']);
      } finally {
        await off.close();
      }
    });

    it('CHAOS_MAX_TTL_S caps ttl_s and gives faults without one that ttl', async () => {
      const capped = await stack.start(probeApp({ service: 'chaos-capped' }), { CHAOS_MAX_TTL_S: '60' });
      try {
        const tooLong = await post(capped, 'delay', { delay_ms: 10, ttl_s: 61 });
        expect([tooLong.status, tooLong.body.code]).toEqual([400, 'VALIDATION_FAILED']);
        expect(tooLong.body.message).toBe('ttl_s must not be greater than 60 (CHAOS_MAX_TTL_S)');
        expect((await request(`${capped.url}/chaos`)).body.faults).toEqual([]);
        const defaulted = (await post(capped, 'delay', { delay_ms: 10 })).body.fault;
        expect(Date.parse(defaulted.expires_at) - Date.parse(defaulted.set_at)).toBe(60_000);
        expect(defaulted.ttl_remaining_s).toBe(60);
        await reset(capped);
      } finally {
        await capped.close();
      }
    });
  });

  describe('without Redis', () => {
    it('REDIS_URL=off: faults apply locally and GET /chaos says they are not shared', async () => {
      const alone = await stack.start(probeApp(), { REDIS_URL: 'off', INSTANCE_ID: 'probe-alone' });
      try {
        const set = await post(alone, 'error', { enable: true, percent: 100 });
        expect(set.body).toMatchObject({ action: 'set', shared: false, fault: { shared: false } });
        expect((await request(`${alone.url}/ping`)).status).toBe(500);
        expect((await request(`${alone.url}/chaos`)).body).toMatchObject({ shared: false, redis: 'off' });
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(await faultIds(a)).toEqual([]); // not shared
      } finally {
        await alone.close();
      }
    });

    it('Redis down: state stays local and keeps applying, and is shared again once Redis is back', async () => {
      const target = new URL(stack.redis.url);
      const proxy = await new TcpProxy(target.hostname, Number(target.port || 6379)).start();
      const env = { REDIS_URL: viaProxy(stack.redis.url, proxy), CHAOS_SYNC_INTERVAL_MS: '300' };
      const app = probeApp({ service: 'chaos-proxied' });
      const p1 = await stack.start(app, { ...env, INSTANCE_ID: 'proxied-1' });
      const p2 = await stack.start(app, { ...env, INSTANCE_ID: 'proxied-2' });
      try {
        await post(p1, 'error', { enable: true, percent: 100, routes: ['/ping'] });
        await sees(p2, ['error']);

        await proxy.stop();
        await waitFor('p1 unshared', async () => (await request(`${p1.url}/chaos`)).body.shared === false);
        expect((await request(`${p1.url}/chaos`)).body.redis).toBe('unavailable');
        // Faults known before the outage keep applying, and requests never wait on Redis.
        for (const replica of [p1, p2]) {
          const { ms, result } = await timed(() => request(`${replica.url}/ping`));
          expect([result.status, ms < 250]).toEqual([500, true]);
        }

        const local = await timed(() => post(p1, 'delay', { delay_ms: 300, routes: ['/users/*'] }));
        expect(local.ms).toBeLessThan(1500);
        expect(local.result.body).toMatchObject({ action: 'set', shared: false, fault: { shared: false } });
        expect((await timed(() => request(`${p1.url}/users/1`))).ms).toBeGreaterThanOrEqual(290);
        expect((await timed(() => request(`${p2.url}/users/1`))).ms).toBeLessThan(250);
        const view = (await request(`${p1.url}/chaos`)).body;
        expect(view.shared).toBe(false);
        expect(view.faults.map((fault: { id: string; shared: boolean }) => [fault.id, fault.shared])).toEqual(
          [
            ['delay', false],
            ['error', true],
          ],
        );

        await proxy.start();
        await waitFor(
          'p1 shared again',
          async () => (await request(`${p1.url}/chaos`)).body.shared === true,
          { timeoutMs: 15_000 },
        );
        await sees(p2, ['delay', 'error']);
        expect((await timed(() => request(`${p2.url}/users/1`))).ms).toBeGreaterThanOrEqual(290);
        expect(
          (await request(`${p1.url}/chaos`)).body.faults.every((f: { shared: boolean }) => f.shared),
        ).toBe(true);
        await waitFor('p2 shared', async () => (await request(`${p2.url}/chaos`)).body.shared === true, {
          timeoutMs: 15_000,
        });
        expect((await reset(p2)).body.shared).toBe(true);
        await sees(p1, []);
      } finally {
        await p1.close();
        await p2.close();
        await proxy.stop();
      }
    });
  });

  describe('shutdown', () => {
    it('cuts pending chaos delays short so a deploy is not held up', async () => {
      const app = await stack.start(probeApp({ service: 'chaos-shutdown' }));
      try {
        await post(app, 'delay', { delay_ms: 60000, routes: ['/ping'] });
        const pending = request(`${app.url}/ping`).catch((error: Error) => error);
        await waitFor('the delay to start', async () => {
          const text = (await request(`${app.url}/metrics`)).text;
          return /chaos_injections_total\{service="chaos-shutdown",type="delay"\} 1/.test(text);
        });
        await reset(app);
        const { ms } = await timed(() => app.close());
        expect(ms).toBeLessThan(3000);
        const answered = await pending;
        expect(answered instanceof Error || answered.status === 200).toBe(true);
      } finally {
        await app.close();
      }
    });
  });

  describe('tracing', () => {
    it('records injected faults on the active span and uses its trace id in the error body', async () => {
      // A minimal context manager + recording span stand in for the OpenTelemetry SDK.
      const storage = new AsyncLocalStorage<Context>();
      const manager: ContextManager = {
        active: () => storage.getStore() ?? ROOT_CONTEXT,
        with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
        bind: (_ctx, target) => target,
        enable: () => manager,
        disable: () => manager,
      };
      context.setGlobalContextManager(manager);
      const events: { name: string; attributes?: Attributes }[] = [];
      const attributes: Attributes = {};
      const traceId = 'a'.repeat(32);
      const span = trace.wrapSpanContext({ traceId, spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });
      const recording: Span = Object.assign(Object.create(span) as Span, {
        addEvent: (name: string, attrs?: Attributes) => (events.push({ name, attributes: attrs }), recording),
        setAttributes: (attrs: Attributes) => (Object.assign(attributes, attrs), recording),
      });
      const traced = await stack.start(
        probeApp({
          service: 'chaos-traced',
          onRequest: () => storage.enterWith(trace.setSpan(ROOT_CONTEXT, recording)),
        }),
      );
      try {
        await post(traced, 'delay', { delay_ms: 20, routes: ['/ping'] });
        await post(traced, 'error', { enable: true, percent: 100, status: 503, routes: ['/ping'] });
        const res = await request(`${traced.url}/ping`);
        expect(res.body).toMatchObject({ statusCode: 503, code: 'CHAOS_INJECTED', traceId });
        expect(events).toEqual([
          {
            name: 'chaos.injected',
            attributes: { 'chaos.type': 'delay', 'chaos.delay_ms': 20, 'chaos.fault': 'delay' },
          },
          {
            name: 'chaos.injected',
            attributes: {
              'chaos.type': 'error',
              'chaos.status': 503,
              'chaos.percent': 100,
              'chaos.fault': 'error',
            },
          },
        ]);
        expect(attributes).toMatchObject({
          'chaos.injected': true,
          'chaos.type': 'error',
          'chaos.delay_ms': 20,
        });
        await reset(traced);
      } finally {
        await traced.close();
        context.disable();
      }
    });
  });
});
