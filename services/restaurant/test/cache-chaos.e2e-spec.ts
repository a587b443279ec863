import { request, waitFor, type JsonResponse, type RunningService } from '@food-delivery/testing';
import { expect } from 'expect';
import { after, afterEach, before, describe, it } from 'node:test';
import { startRestaurantKit, type RestaurantKit } from './support';

const MENU = 4;

/** cache_requests_total{cache, result} of one replica, from /metrics. */
async function cacheCount(service: RunningService, cache: string, result: string): Promise<number> {
  const text = (await request(`${service.url}/metrics`)).text;
  const line = new RegExp(
    `^cache_requests_total\\{[^}]*cache="${cache}"[^}]*result="${result}"[^}]*\\} (\\S+)`,
    'm',
  );
  return Number(line.exec(text)?.[1] ?? 0);
}

async function injections(service: RunningService): Promise<number> {
  const text = (await request(`${service.url}/metrics`)).text;
  return Number(/^chaos_injections_total\{[^}]*type="cache_failure"[^}]*\} (\S+)/m.exec(text)?.[1] ?? 0);
}

async function timed(call: () => Promise<JsonResponse>): Promise<{ ms: number; res: JsonResponse }> {
  const started = performance.now();
  const res = await call();
  return { ms: performance.now() - started, res };
}

/**
 * The restaurant's cache knobs on two replicas (real Postgres, Redis and HTTP): cache_failure on the menu caches
 * (bypass, stale, slow), the dependency knob's `redis` target (cache calls only) and hang, each shared by both
 * replicas, undone by one reset, refused out of bounds.
 */
describe('restaurant service: cache_failure, dependency redis and hang', () => {
  let kit: RestaurantKit;
  let a: RunningService;
  let b: RunningService;

  const faults = async (service: RunningService) =>
    ((await request(`${service.url}/chaos`)).body.faults as { id: string }[]).map((fault) => fault.id);
  const sees = (service: RunningService, ids: string[]) =>
    waitFor(`${service.env.INSTANCE_ID} to see [${ids.join(',')}]`, async () => {
      return JSON.stringify((await faults(service)).sort()) === JSON.stringify([...ids].sort());
    });
  const set = async (service: RunningService, knob: string, body: unknown) => {
    const res = await request(`${service.url}/chaos/${knob}`, { body });
    expect([knob, res.status]).toEqual([knob, 200]);
  };
  const menu = (service: RunningService, id = MENU) => request(`${service.url}/menus/${id}`);
  const decrease = (service: RunningService) =>
    request(`${service.url}/inventory/${MENU}`, { method: 'PUT', body: { quantity: 1 }, token: kit.token });

  before(async () => {
    kit = await startRestaurantKit('cache_chaos', { CHAOS_SYNC_INTERVAL_MS: '300' });
    a = await kit.start({ INSTANCE_ID: 'restaurant-a' });
    b = await kit.start({ INSTANCE_ID: 'restaurant-b' });
    await kit.resetStock(1000, [MENU]);
  });

  after(async () => {
    await kit?.close();
  });

  afterEach(async () => {
    expect((await request(`${a.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    await sees(b, []);
  });

  it('lists cache_failure with the menu caches, and redis among the dependency targets', async () => {
    const catalogue = (await request(`${a.url}/chaos`)).body.catalogue as {
      name: string;
      schema: { properties: Record<string, { enum?: string[] }> };
    }[];
    const knob = (name: string) => catalogue.find((entry) => entry.name === name)!;
    expect(knob('cache_failure').schema.properties.cache.enum).toEqual(['menu_list', 'menu']);
    expect(knob('cache_failure').schema.properties.mode.enum).toEqual(['bypass', 'stale', 'slow', 'off']);
    expect(knob('dependency').schema.properties.target.enum).toEqual(['postgres', 'redis']);
    expect(catalogue.map((entry) => entry.name)).toEqual(expect.arrayContaining(['hang', 'inventory_delay']));
  });

  it('bypass: every read of the chosen cache is a miss on both replicas (metric and X-Cache); reset restores hits', async () => {
    for (const replica of [a, b]) {
      await menu(replica);
      expect((await menu(replica)).headers.get('x-cache')).toBe('HIT');
    }
    await set(a, 'cache_failure', { cache: 'menu', mode: 'bypass' });
    await sees(b, ['cache_failure']);
    for (const replica of [a, b]) {
      const [hits, misses] = [
        await cacheCount(replica, 'menu', 'hit'),
        await cacheCount(replica, 'menu', 'miss'),
      ];
      const injected = await injections(replica);
      for (let i = 0; i < 5; i++) {
        const res = await menu(replica);
        expect([res.status, res.headers.get('x-cache')]).toEqual([200, 'MISS']);
      }
      expect(await cacheCount(replica, 'menu', 'hit')).toBe(hits);
      expect((await cacheCount(replica, 'menu', 'miss')) - misses).toBe(5);
      // One injection per bypassed read (chaos_injections_total).
      expect((await injections(replica)) - injected).toBe(5);
      // Only the chosen cache: the list still hits.
      await request(`${replica.url}/menus`);
      expect((await request(`${replica.url}/menus`)).headers.get('x-cache')).toBe('HIT');
    }
    const metrics = (await request(`${a.url}/metrics`)).text;
    expect(metrics).toMatch(
      /chaos_injections_total\{service="restaurant-service",type="cache_failure"\} [1-9]/,
    );
    expect(metrics).toContain('chaos_active_faults{service="restaurant-service",type="cache_failure"} 1');
    expect((await request(`${b.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    await sees(a, []);
    for (const replica of [a, b]) {
      await menu(replica);
      expect((await menu(replica)).headers.get('x-cache')).toBe('HIT');
    }
  });

  it('instance: a cache_failure aimed at one replica leaves the other alone', async () => {
    await set(a, 'cache_failure', { mode: 'bypass', instance: 'restaurant-b' });
    await sees(a, ['cache_failure@restaurant-b']);
    await sees(b, ['cache_failure@restaurant-b']);
    await menu(a);
    expect((await menu(a)).headers.get('x-cache')).toBe('HIT');
    expect((await menu(b)).headers.get('x-cache')).toBe('MISS');
  });

  it('stale: a stock change is not invalidated, both replicas serve the old menu; when the fault ends the new one', async () => {
    await menu(a);
    const old = (await menu(a)).body;
    expect((await menu(b)).body).toEqual(old);
    await set(a, 'cache_failure', { mode: 'stale' });
    await sees(b, ['cache_failure']);
    expect((await decrease(a)).status).toBe(200);
    expect((await decrease(b)).status).toBe(200);
    const stock = await kit.stock(MENU);
    for (const replica of [a, b]) {
      const res = await menu(replica);
      // The old value, from the cache, although Postgres changed twice.
      expect([res.headers.get('x-cache'), res.body]).toEqual(['HIT', old]);
      expect(JSON.stringify(res.body)).not.toContain(`${stock}`);
    }
    expect((await request(`${b.url}/chaos/cache_failure`, { method: 'DELETE' })).body.cleared).toBe(1);
    await sees(a, []);
    // The invalidations held back happen when the fault ends: both replicas serve the new stock.
    for (const replica of [a, b]) {
      await waitFor(
        'the new stock',
        async () => JSON.stringify((await menu(replica)).body) !== JSON.stringify(old),
      );
      expect(JSON.stringify((await menu(replica)).body)).toContain(`${stock}`);
    }
  });

  it('slow: each cache read waits latency_ms on both replicas, uncached reads do not; ttl_s ends it', async () => {
    await menu(a);
    await set(b, 'cache_failure', { mode: 'slow', latency_ms: 400, ttl_s: 5 });
    await sees(a, ['cache_failure']);
    for (const replica of [a, b]) {
      const { ms, res } = await timed(() => menu(replica));
      expect([res.status, ms >= 395]).toEqual([200, true]);
      const uncached = await timed(() => request(`${replica.url}/restaurants/1`));
      expect([uncached.res.status, uncached.ms < 395]).toEqual([200, true]);
    }
    await sees(a, []);
    await sees(b, []);
    for (const replica of [a, b]) expect((await timed(() => menu(replica))).ms).toBeLessThan(395);
  });

  it('refuses bodies out of bounds (400) and changes nothing', async () => {
    await set(a, 'cache_failure', { cache: 'menu_list', mode: 'bypass', percent: 50 });
    await sees(b, ['cache_failure']);
    for (const body of [
      { mode: 'slow' },
      { mode: 'slow', latency_ms: 0 },
      { mode: 'slow', latency_ms: 60_001 },
      { mode: 'explode' },
      { cache: 'order', mode: 'bypass' },
      { mode: 'bypass', percent: 101 },
      { mode: 'bypass', ttl_s: 0 },
      {},
    ]) {
      const res = await request(`${a.url}/chaos/cache_failure`, { body });
      expect([body, res.status, res.body.code]).toEqual([body, 400, 'VALIDATION_FAILED']);
    }
    const [fault] = (await request(`${b.url}/chaos`)).body.faults as Record<string, unknown>[];
    expect(fault).toMatchObject({ cache: 'menu_list', mode: 'bypass', percent: 50 });
  });

  it('dependency redis: latency on cache calls only; errors and timeouts fall back to Postgres', async () => {
    await menu(a);
    await set(a, 'dependency', { target: 'redis', mode: 'latency', latency_ms: 400 });
    await sees(b, ['dependency']);
    for (const replica of [a, b]) {
      const { ms, res } = await timed(() => menu(replica));
      expect([res.status, ms >= 395]).toEqual([200, true]);
      // Not on Postgres-only reads, and never on the chaos state (its own Redis use).
      expect((await timed(() => request(`${replica.url}/restaurants/1`))).ms).toBeLessThan(395);
      expect((await timed(() => request(`${replica.url}/chaos`))).ms).toBeLessThan(395);
    }
    for (const mode of ['error', 'reset', 'timeout']) {
      await set(b, 'dependency', { target: 'redis', mode });
      await waitFor(`${mode} on a`, async () =>
        ((await request(`${a.url}/chaos`)).body.faults as { mode: string }[]).some((f) => f.mode === mode),
      );
      for (const replica of [a, b]) {
        const { ms, res } = await timed(() => menu(replica));
        // The cache is optional: the read is served from Postgres (within the 1 s command timeout for timeout).
        expect([mode, res.status, res.headers.get('x-cache')]).toEqual([mode, 200, 'MISS']);
        expect(ms).toBeLessThan(3000);
      }
    }
  });

  it('hang: menu reads stay unanswered on both replicas while /health/live and DELETE /chaos answer; reset releases them', async () => {
    await set(a, 'hang', { routes: ['/menus/*'] });
    await sees(b, ['hang']);
    const held = [a, b].map((replica) => {
      const call = { outcome: 'pending' as 'pending' | 'answered' | 'closed', done: Promise.resolve() };
      call.done = fetch(`${replica.url}/menus/${MENU}`).then(
        async (res) => {
          await res.text();
          call.outcome = 'answered';
        },
        () => {
          call.outcome = 'closed';
        },
      );
      return call;
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(held.map((call) => call.outcome)).toEqual(['pending', 'pending']);
    for (const replica of [a, b]) {
      expect((await request(`${replica.url}/health/live`)).status).toBe(200);
      expect((await request(`${replica.url}/restaurants/1`)).status).toBe(200);
    }
    const { ms, res } = await timed(() => request(`${b.url}/chaos`, { method: 'DELETE' }));
    expect([res.status, ms < 1000]).toEqual([200, true]);
    await Promise.all(held.map((call) => call.done));
    expect(held.map((call) => call.outcome)).toEqual(['closed', 'closed']);
    await sees(a, []);
    for (const replica of [a, b]) expect((await menu(replica)).status).toBe(200);
  });
});
