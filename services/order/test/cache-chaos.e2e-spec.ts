import { request, waitFor, type JsonResponse, type RunningService } from '@food-delivery/testing';
import { expect } from 'expect';
import { after, afterEach, before, describe, it } from 'node:test';
import { createOrderApp } from '../src/app';
import { ADDRESS, PHONE, startOrderKit, type OrderKit } from './support';

const MENU = 13;
const OTHER_MENU = 14;

async function cacheCount(service: RunningService, result: string): Promise<number> {
  const text = (await request(`${service.url}/metrics`)).text;
  const line = new RegExp(
    `^cache_requests_total\\{[^}]*cache="order"[^}]*result="${result}"[^}]*\\} (\\S+)`,
    'm',
  );
  return Number(line.exec(text)?.[1] ?? 0);
}

async function timed(call: () => Promise<JsonResponse>): Promise<{ ms: number; res: JsonResponse }> {
  const started = performance.now();
  const res = await call();
  return { ms: performance.now() - started, res };
}

/**
 * The order service's cache knobs and targeted request faults on two in-process replicas, against the real user
 * and restaurant services, Postgres and Redis: cache_failure on the order cache (bypass, stale, slow), the
 * dependency knob's `redis` target (cache reads only) and `match` on delay and error.
 */
describe('order service: cache_failure, dependency redis and targeted delay/error', () => {
  let kit: OrderKit;
  let a: RunningService;
  let b: RunningService;

  const faults = async (service: RunningService) =>
    ((await request(`${service.url}/chaos`)).body.faults as { id: string }[]).map((fault) => fault.id);
  const sees = (service: RunningService, ids: string[]) =>
    waitFor(`${service.env.INSTANCE_ID} to see [${ids.join(',')}]`, async () => {
      return JSON.stringify((await faults(service)).sort()) === JSON.stringify([...ids].sort());
    });
  const place = (service: RunningService, token: string, menu = MENU) =>
    request(`${service.url}/orders`, {
      token,
      body: { items: [{ menu_id: menu, quantity: 1 }], address: ADDRESS, phone: PHONE },
      headers: { 'idempotency-key': crypto.randomUUID() },
    });
  const read = (service: RunningService, id: number) =>
    request(`${service.url}/orders/${id}`, { token: kit.token });
  const newOrder = async () => {
    const res = await place(a, kit.token);
    expect(res.status).toBe(201);
    return res.body.id as number;
  };

  before(async () => {
    kit = await startOrderKit('order_cache_chaos', {
      inProcess: false,
      orderEnv: { CHAOS_SYNC_INTERVAL_MS: '300' },
    });
    a = await kit.stack.start(createOrderApp, kit.orderEnv({ INSTANCE_ID: 'order-a' }));
    b = await kit.stack.start(createOrderApp, kit.orderEnv({ INSTANCE_ID: 'order-b' }));
    await kit.resetStock(1000, [MENU, OTHER_MENU]);
  });

  after(async () => {
    await kit?.close();
  });

  afterEach(async () => {
    expect((await request(`${a.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    await sees(b, []);
  });

  it('lists cache_failure with the order cache, and redis among the dependency targets', async () => {
    const catalogue = (await request(`${a.url}/chaos`)).body.catalogue as {
      name: string;
      schema: { properties: Record<string, { enum?: string[] }> };
    }[];
    const knob = (name: string) => catalogue.find((entry) => entry.name === name)!;
    expect(knob('cache_failure').schema.properties.cache.enum).toEqual(['order']);
    expect(knob('dependency').schema.properties.target.enum).toEqual([
      'postgres',
      'user-service',
      'restaurant-service',
      'redis',
    ]);
  });

  it('bypass: every order read is a miss on both replicas; reset restores hits', async () => {
    const id = await newOrder();
    for (const replica of [a, b]) {
      await read(replica, id);
      expect((await read(replica, id)).headers.get('x-cache')).toBe('HIT');
    }
    await kit.setChaos(a, 'cache_failure', { mode: 'bypass' });
    await sees(b, ['cache_failure']);
    for (const replica of [a, b]) {
      const [hits, misses] = [await cacheCount(replica, 'hit'), await cacheCount(replica, 'miss')];
      for (let i = 0; i < 4; i++) {
        const res = await read(replica, id);
        expect([res.status, res.headers.get('x-cache')]).toEqual([200, 'MISS']);
      }
      expect(await cacheCount(replica, 'hit')).toBe(hits);
      expect((await cacheCount(replica, 'miss')) - misses).toBe(4);
    }
    expect((await request(`${b.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    await sees(a, []);
    for (const replica of [a, b]) {
      await read(replica, id);
      expect((await read(replica, id)).headers.get('x-cache')).toBe('HIT');
    }
  });

  it('stale: a cancelled order keeps its old cached status on both replicas until the fault ends', async () => {
    const id = await newOrder();
    await read(a, id);
    const old = (await read(a, id)).body;
    expect(JSON.stringify(old)).not.toContain('CANCELLED');
    await kit.setChaos(b, 'cache_failure', { cache: 'order', mode: 'stale' });
    await sees(a, ['cache_failure']);
    const cancelled = await request(`${a.url}/orders/${id}/cancel`, { token: kit.token, method: 'POST' });
    expect(cancelled.status).toBe(200);
    const { rows } = await kit.pg.query<{ status: string }>(
      'SELECT status FROM "order".orders WHERE id = $1',
      [id],
    );
    expect(rows[0].status).toBe('CANCELLED');
    for (const replica of [a, b]) {
      const res = await read(replica, id);
      expect([res.headers.get('x-cache'), res.body]).toEqual(['HIT', old]);
    }
    const metrics = (await request(`${a.url}/metrics`)).text;
    expect(metrics).toMatch(/chaos_injections_total\{service="order-service",type="cache_failure"\} [1-9]/);
    expect((await request(`${a.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    await sees(b, []);
    for (const replica of [a, b]) {
      await waitFor('the cancelled status', async () =>
        JSON.stringify((await read(replica, id)).body).includes('CANCELLED'),
      );
    }
  });

  it('slow: order reads wait latency_ms on both replicas until the TTL ends it', async () => {
    const id = await newOrder();
    await read(a, id);
    await kit.setChaos(a, 'cache_failure', { mode: 'slow', latency_ms: 400, ttl_s: 5 });
    await sees(b, ['cache_failure']);
    for (const replica of [a, b]) {
      const { ms, res } = await timed(() => read(replica, id));
      expect([res.status, ms >= 395]).toEqual([200, true]);
    }
    await sees(a, []);
    await sees(b, []);
    expect((await timed(() => read(b, id))).ms).toBeLessThan(395);
  });

  it('refuses cache_failure bodies out of bounds (400) and changes nothing', async () => {
    await kit.setChaos(a, 'cache_failure', { mode: 'bypass', percent: 50 });
    await sees(b, ['cache_failure']);
    for (const body of [
      { mode: 'slow' },
      { mode: 'slow', latency_ms: 60_001 },
      { cache: 'menu', mode: 'bypass' },
      { mode: 'stale', percent: -1 },
      { mode: 'later' },
    ]) {
      const res = await request(`${a.url}/chaos/cache_failure`, { body });
      expect([body, res.status, res.body.code]).toEqual([body, 400, 'VALIDATION_FAILED']);
    }
    const [fault] = (await request(`${b.url}/chaos`)).body.faults as Record<string, unknown>[];
    expect(fault).toMatchObject({ cache: null, mode: 'bypass', percent: 50 });
  });

  it('dependency redis: latency on cache reads only; an error falls back to Postgres', async () => {
    const id = await newOrder();
    await read(a, id);
    await kit.setChaos(a, 'dependency', { target: 'redis', mode: 'latency', latency_ms: 400 });
    await sees(b, ['dependency']);
    for (const replica of [a, b]) {
      const { ms, res } = await timed(() => read(replica, id));
      expect([res.status, ms >= 395]).toEqual([200, true]);
      expect((await timed(() => request(`${replica.url}/chaos`))).ms).toBeLessThan(395);
    }
    await kit.setChaos(b, 'dependency', { target: 'redis', mode: 'error' });
    await waitFor('error on a', async () =>
      ((await request(`${a.url}/chaos`)).body.faults as { mode: string }[]).some((f) => f.mode === 'error'),
    );
    for (const replica of [a, b]) {
      const res = await read(replica, id);
      expect([res.status, res.headers.get('x-cache')]).toEqual([200, 'MISS']);
    }
  });

  it('match on delay and error: only orders of the matched menu or user are hit, on both replicas', async () => {
    const other = await kit.signup(`cache-chaos-${Date.now()}`);
    await kit.setChaos(a, 'delay', { delay_ms: 400, match: { menu_id: [MENU] } });
    await kit.setChaos(a, 'error', {
      enable: true,
      percent: 100,
      status: 503,
      match: { user_id: [other.id] },
    });
    await sees(b, ['delay', 'error']);
    for (const replica of [a, b]) {
      const hit = await timed(() => place(replica, kit.token, MENU));
      expect([hit.res.status, hit.res.headers.get('x-chaos-injected'), hit.ms >= 395]).toEqual([
        201,
        'delay;ms=400',
        true,
      ]);
      const miss = await place(replica, kit.token, OTHER_MENU);
      expect([miss.status, miss.headers.get('x-chaos-injected')]).toEqual([201, null]);
      const failed = await place(replica, other.token, OTHER_MENU);
      expect([failed.status, failed.body.code]).toEqual([503, 'CHAOS_INJECTED']);
    }
  });
});
