import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, TcpProxy, timed, viaProxy, waitFor, type RunningService } from '@food-delivery/testing';
import Redis from 'ioredis';
import { Client } from 'pg';
import { startRestaurantKit, type RestaurantKit } from './support';

const LIST_TTL_MS = 700;
const ONE_TTL_MS = 1500;

describe('restaurant service: catalogue, menus and their cache (real Postgres + Redis, real HTTP)', () => {
  let kit: RestaurantKit;
  let url: string;
  /** Reads the service's keys (same prefix). */
  let redis: Redis;

  const getMenus = () => request(`${url}/menus`);
  const getMenu = (id: number, base = url) => request(`${base}/menus/${id}`);
  const decrease = (id: number, quantity: number) =>
    request(`${url}/inventory/${id}`, { method: 'PUT', body: { quantity }, token: kit.token });

  before(async () => {
    kit = await startRestaurantKit('menus', {
      MENUS_CACHE_TTL_MS: String(LIST_TTL_MS),
      MENU_CACHE_TTL_MS: String(ONE_TTL_MS),
    });
    url = kit.service.url;
    redis = new Redis(kit.stack.redis.url, { keyPrefix: kit.stack.redis.prefix });
  });

  after(async () => {
    redis?.disconnect();
    await kit?.close();
  });

  describe('the seeded demo catalogue', () => {
    it('has a few restaurants and ~20 dishes with integer KRW prices; menu 1 has plenty of stock', async () => {
      const res = await getMenus();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const menus = res.body as any[];
      expect(menus.length).toBeGreaterThanOrEqual(20);
      expect(menus.map((m) => m.id)).toEqual([...menus.map((m) => m.id)].sort((a, b) => a - b));
      expect(menus[0]).toEqual({
        id: 1,
        restaurant_id: 1,
        restaurant_name: 'Seoul Kitchen',
        name: 'Bibimbap',
        description: expect.any(String),
        price: 9000,
        currency: 'KRW',
        image_url: null,
        inventory: expect.any(Number),
        is_available: true,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(menus[0].inventory).toBeGreaterThanOrEqual(1000);
      for (const menu of menus) {
        expect(Number.isInteger(menu.price) && menu.price > 0).toBe(true);
        expect(menu.is_available).toBe(menu.inventory > 0);
      }
      expect(new Set(menus.map((m) => m.restaurant_id)).size).toBeGreaterThanOrEqual(3);
    });

    it('lists restaurants and shows one with its menus', async () => {
      const list = await request(`${url}/restaurants`);
      expect(list.status).toBe(200);
      expect(list.body.length).toBeGreaterThanOrEqual(3);
      expect(list.body[0]).toEqual({
        id: 1,
        name: 'Seoul Kitchen',
        cuisine: 'korean',
        address: expect.any(String),
        phone: expect.any(String),
      });
      const one = await request(`${url}/restaurants/2`);
      expect(one.status).toBe(200);
      expect(one.body.menus.length).toBeGreaterThan(0);
      expect(one.body.menus.every((m: any) => m.restaurant_id === 2)).toBe(true);
      expect((await request(`${url}/restaurants/999`)).body.code).toBe('RESTAURANT_NOT_FOUND');
      expect((await request(`${url}/restaurants/x`)).body.code).toBe('INVALID_ID');
    });

    it('is seeded once: a second replica on the same database adds nothing, the audit holds', async () => {
      const count = async (table: string) =>
        Number((await kit.pg.query(`SELECT count(*) FROM restaurant.${table}`)).rows[0].count);
      const before = [await count('restaurants'), await count('menus'), await count('stock_adjustments')];
      const replicas = await Promise.all([kit.start(), kit.start()]);
      try {
        expect([await count('restaurants'), await count('menus'), await count('stock_adjustments')]).toEqual(
          before,
        );
        expect((await kit.audit()).ok).toBe(true);
      } finally {
        await Promise.all(replicas.map((replica) => replica.close()));
      }
    });
  });

  describe('GET /menus/{id}', () => {
    it('answers 404 MENU_NOT_FOUND for an unknown menu (every time) and 400 INVALID_ID for a malformed id', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await getMenu(99999);
        expect([res.status, res.body.code]).toEqual([404, 'MENU_NOT_FOUND']);
      }
      for (const bad of ['abc', '-1', '0', '1.5', '99999999999', '1e3', '%20']) {
        const res = await request(`${url}/menus/${bad}`);
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'INVALID_ID']);
      }
    });
  });

  describe('caching', () => {
    it('GET /menus: MISS, then HIT with the same body, then MISS again after the TTL', async () => {
      await sleep(LIST_TTL_MS); // whatever earlier tests cached has expired
      const first = await getMenus();
      const second = await getMenus();
      expect(first.headers.get('x-cache')).toBe('MISS');
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(second.text).toBe(first.text);
      await sleep(LIST_TTL_MS + 100);
      expect((await getMenus()).headers.get('x-cache')).toBe('MISS');
    });

    it('GET /menus/{id}: MISS then HIT, and expiry after its own TTL', async () => {
      const first = await getMenu(7);
      expect(first.headers.get('x-cache')).toBe('MISS');
      const hit = await getMenu(7);
      expect(hit.headers.get('x-cache')).toBe('HIT');
      expect(hit.body).toEqual(first.body);
      const ttl = await redis.pttl('restaurant:menus:v2:7');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(ONE_TTL_MS);
      await sleep(ONE_TTL_MS + 100);
      expect((await getMenu(7)).headers.get('x-cache')).toBe('MISS');
    });

    it('answers a hit (served before the Nest pipeline) exactly as the controller answers the miss', async () => {
      const same = (res: Awaited<ReturnType<typeof getMenus>>) => ({
        status: res.status,
        contentType: res.headers.get('content-type'),
        contentLength: res.headers.get('content-length'),
        requestId: res.headers.get('x-request-id'),
        traceIdHeader: res.headers.has('x-trace-id'),
        body: res.text,
      });
      for (const read of [() => getMenu(8), () => getMenus()]) {
        await redis.del('restaurant:menus:v2:8', 'restaurant:menus:v2:all');
        const miss = await read();
        const hit = await read();
        expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
        expect({ ...same(hit), requestId: 'any' }).toEqual({ ...same(miss), requestId: 'any' });
        expect(hit.headers.get('x-request-id')).toMatch(/\S/);
      }
      // An id the controller refuses is refused the same way while a key of that shape is cached.
      await redis.set('restaurant:menus:v2:0', '{"id":0}');
      const zero = await request(`${url}/menus/0`);
      expect([zero.status, zero.body.code]).toEqual([400, 'INVALID_ID']);
      // Counted as hits, like the controller's.
      const metrics = (await request(`${url}/metrics`)).text;
      expect(metrics).toMatch(/cache_requests_total\{cache="menu",result="hit"[^}]*\} [1-9]/);
    });

    it('hits still get the request-level faults: an injected error, then an injected delay', async () => {
      // Its own replica and key prefix with a 30 s list entry: the HIT must outlive the injected 300 ms delay and
      // a busy machine, which the shared short-TTL entry does not.
      const steady = await kit.start({
        REDIS_KEY_PREFIX: `${kit.stack.redis.prefix}steady:`,
        SEED_CATALOGUE: 'false',
        MENUS_CACHE_TTL_MS: '30000',
      });
      const menus = () => request(`${steady.url}/menus`);
      try {
        await menus();
        expect((await menus()).headers.get('x-cache')).toBe('HIT');
        const fault = await request(`${steady.url}/chaos/error`, {
          body: { enable: true, percent: 100, status: 503, routes: ['/menus'] },
        });
        expect(fault.status).toBe(200);
        const failed = await menus();
        expect([failed.status, failed.body.code]).toEqual([503, 'CHAOS_INJECTED']);
        await request(`${steady.url}/chaos/error`, { body: { enable: false } });
        await request(`${steady.url}/chaos/delay`, { body: { delay_ms: 300, routes: ['/menus'] } });
        const started = Date.now();
        const delayed = await menus();
        expect(Date.now() - started).toBeGreaterThanOrEqual(280);
        expect(delayed.headers.get('x-chaos-injected')).toBe('delay;ms=300');
        expect([delayed.status, delayed.headers.get('x-cache')]).toEqual([200, 'HIT']);
      } finally {
        await request(`${steady.url}/chaos`, { method: 'DELETE' });
        await steady.close();
      }
    });

    it('uses 10 s for the list and 30 s for one menu by default (spec)', async () => {
      const defaults = await kit.start({
        REDIS_KEY_PREFIX: `${kit.stack.redis.prefix}defaults:`,
        MENUS_CACHE_TTL_MS: '',
        MENU_CACHE_TTL_MS: '',
        SEED_CATALOGUE: 'false',
      });
      const client = new Redis(kit.stack.redis.url, { keyPrefix: `${kit.stack.redis.prefix}defaults:` });
      try {
        await getMenus().then(() => request(`${defaults.url}/menus`));
        await request(`${defaults.url}/menus/1`);
        const listTtl = await client.pttl('restaurant:menus:v2:all');
        const oneTtl = await client.pttl('restaurant:menus:v2:1');
        expect(listTtl).toBeGreaterThan(9000);
        expect(listTtl).toBeLessThanOrEqual(10_000);
        expect(oneTtl).toBeGreaterThan(29_000);
        expect(oneTtl).toBeLessThanOrEqual(30_000);
      } finally {
        client.disconnect();
        await defaults.close();
      }
    });

    it('a stock change invalidates the list and that menu at once, and leaves other menus cached', async () => {
      await getMenu(2);
      await getMenu(3);
      // The list last and checked at once: its TTL here is 700 ms, which a busy machine can spend on four requests.
      await getMenus();
      expect((await getMenus()).headers.get('x-cache')).toBe('HIT');
      expect((await getMenu(2)).headers.get('x-cache')).toBe('HIT');
      const before = (await getMenu(2)).body.inventory as number;

      expect((await decrease(2, 3)).status).toBe(200);

      const one = await getMenu(2);
      expect([one.headers.get('x-cache'), one.body.inventory]).toEqual(['MISS', before - 3]);
      const list = await getMenus();
      expect(list.headers.get('x-cache')).toBe('MISS');
      expect(list.body.find((m: any) => m.id === 2).inventory).toBe(before - 3);
      expect((await getMenu(3)).headers.get('x-cache')).toBe('HIT');
    });

    it('reservations invalidate the menus they touch too', async () => {
      await getMenu(4);
      expect((await getMenu(4)).headers.get('x-cache')).toBe('HIT');
      const before = (await getMenu(4)).body.inventory as number;
      const reserved = await request(`${url}/inventory/reservations`, {
        body: { order_id: 'menus-cache-1', items: [{ menu_id: 4, quantity: 2 }] },
        token: kit.token,
      });
      expect(reserved.status).toBe(201);
      const after = await getMenu(4);
      expect([after.headers.get('x-cache'), after.body.inventory]).toEqual(['MISS', before - 2]);
      await request(`${url}/inventory/reservations/menus-cache-1`, { method: 'DELETE', token: kit.token });
      const released = await getMenu(4);
      expect([released.headers.get('x-cache'), released.body.inventory]).toEqual(['MISS', before]);
    });

    it('loads a cold key from Postgres once for concurrent misses (no stampede)', async () => {
      // Hold the restaurants table so the menu query blocks in Postgres, then count the blocked queries.
      const blocker = new Client({ connectionString: kit.stack.db.url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE restaurant.restaurants IN ACCESS EXCLUSIVE MODE');
        const burst = Promise.all(Array.from({ length: 25 }, () => getMenu(11)));
        const waiting = async () =>
          Number(
            (
              await kit.pg.query(
                `SELECT count(*) FROM pg_stat_activity
                  WHERE datname = current_database() AND application_name = 'restaurant-service'
                    AND wait_event_type = 'Lock' AND query ILIKE '%menus%'`,
              )
            ).rows[0].count,
          );
        await waitFor('the menu query to block', async () => (await waiting()) > 0);
        await sleep(200); // time for any other (wrong) query to show up
        expect(await waiting()).toBe(1);
        await blocker.query('COMMIT');
        const results = await burst;
        expect(results.every((r) => r.status === 200 && r.headers.get('x-cache') === 'MISS')).toBe(true);
        expect(new Set(results.map((r) => r.text)).size).toBe(1);
        expect((await getMenu(11)).headers.get('x-cache')).toBe('HIT');
      } finally {
        await blocker.query('ROLLBACK').catch(() => undefined);
        await blocker.end();
      }
    });
  });

  describe('without Redis', () => {
    let proxied: RunningService;
    let proxy: TcpProxy;

    before(async () => {
      const target = new URL(kit.stack.redis.url);
      proxy = await new TcpProxy(target.hostname, Number(target.port || 6379)).start();
      proxied = await kit.start({
        REDIS_URL: viaProxy(kit.stack.redis.url, proxy),
        REDIS_KEY_PREFIX: `${kit.stack.redis.prefix}proxied:`,
        SEED_CATALOGUE: 'false',
        MENU_CACHE_TTL_MS: '30000',
        MENUS_CACHE_TTL_MS: '30000',
      });
      await waitFor('redis through the proxy', async () => {
        const ready = await request(`${proxied.url}/health/ready`);
        return ready.body?.details?.redis?.status === 'up';
      });
    });

    after(async () => {
      await proxied?.close();
      await proxy?.stop();
    });

    it('serves menus from Postgres while Redis is stopped, stays ready, and drops stale entries when it is back', async () => {
      await request(`${proxied.url}/menus/12`);
      expect((await request(`${proxied.url}/menus/12`)).headers.get('x-cache')).toBe('HIT');
      expect((await request(`${proxied.url}/menus`)).status).toBe(200);
      expect((await request(`${proxied.url}/menus`)).headers.get('x-cache')).toBe('HIT');

      await proxy.stop();
      for (const path of ['/menus', '/menus/12', '/menus/13']) {
        const res = await request(`${proxied.url}${path}`);
        expect([path, res.status, res.headers.get('x-cache')]).toEqual([path, 200, 'MISS']);
      }
      // A stock change while Redis is down cannot reach the cache...
      const changed = await request(`${proxied.url}/inventory/12`, {
        method: 'PUT',
        body: { quantity: 1 },
        token: kit.token,
      });
      expect(changed.status).toBe(200);
      expect((await request(`${proxied.url}/menus/12`)).body.inventory).toBe(
        changed.body.remaining_inventory,
      );
      const ready = await request(`${proxied.url}/health/ready`);
      expect(ready.status).toBe(200);

      // ...so when Redis is back, the old entries must not be served.
      await proxy.start();
      const back = await waitFor('cache hits again', async () => {
        const res = await request(`${proxied.url}/menus/12`);
        return res.headers.get('x-cache') === 'HIT' ? res : null;
      });
      expect(back.body.inventory).toBe(changed.body.remaining_inventory);
      const list = await waitFor('list cache hits again', async () => {
        const res = await request(`${proxied.url}/menus`);
        return res.headers.get('x-cache') === 'HIT' ? res : null;
      });
      expect(list.body.find((m: any) => m.id === 12).inventory).toBe(changed.body.remaining_inventory);
    });

    it('while Redis hangs, a cached read waits one command timeout at most, and then not at all for a moment', async () => {
      await waitFor('a hit through the proxy', async () => {
        const res = await request(`${proxied.url}/menus/14`);
        return res.headers.get('x-cache') === 'HIT' ? res : null;
      });
      proxy.freeze(); // connected, but nothing answers: every Redis command runs into its 1 s timeout
      try {
        const readMenu = async () => {
          const { result: res, ms } = await timed(() => request(`${proxied.url}/menus/14`));
          return { ms, status: res.status, cache: res.headers.get('x-cache') };
        };
        // The early hit lookup times out, and the controller does not wait for Redis a second time.
        const first = await readMenu();
        expect([first.status, first.cache]).toEqual([200, 'MISS']);
        expect(first.ms).toBeGreaterThanOrEqual(900);
        expect(first.ms).toBeLessThan(1800);
        // Right after, reads go straight to Postgres.
        for (let i = 0; i < 3; i++) {
          const next = await readMenu();
          expect([next.status, next.cache]).toEqual([200, 'MISS']);
          expect(next.ms).toBeLessThan(500);
        }
      } finally {
        proxy.thaw();
      }
      await waitFor('cache hits again after Redis answers', async () => {
        const res = await request(`${proxied.url}/menus/14`);
        return res.headers.get('x-cache') === 'HIT' ? res : null;
      });
    });

    it('works with Redis switched off (REDIS_URL=off)', async () => {
      const off = await kit.start({ REDIS_URL: 'off', SEED_CATALOGUE: 'false' });
      try {
        for (let i = 0; i < 2; i++) {
          const res = await getMenu(1, off.url);
          expect([res.status, res.headers.get('x-cache')]).toEqual([200, 'MISS']);
        }
        expect((await request(`${off.url}/health/ready`)).status).toBe(200);
      } finally {
        await off.close();
      }
    });
  });

  describe('docs and health', () => {
    it('serves Swagger UI, ReDoc and an OpenAPI document with every endpoint', async () => {
      expect((await request(`${url}/docs`)).status).toBe(200);
      expect((await request(`${url}/redoc`)).text).toContain('redoc');
      const spec = (await request(`${url}/docs-json`)).body;
      for (const path of [
        '/menus',
        '/menus/{id}',
        '/restaurants',
        '/restaurants/{id}',
        '/inventory/{menuId}',
        '/inventory/{menuId}/restore',
        '/inventory/audit',
        '/inventory/reservations',
        '/inventory/reservations/{orderId}',
        '/inventory/reservations/{orderId}/commit',
        '/inventory/reservations/{orderId}/cancel',
        '/admin/stock/reset',
      ]) {
        expect(spec.paths).toHaveProperty([path]);
      }
      expect(spec.components.schemas.QuantityDto.properties.quantity.example).toBe(1);
      expect(spec.paths['/menus'].get.responses['200'].headers).toHaveProperty('X-Cache');
    });

    it('is live and ready', async () => {
      expect((await request(`${url}/health/live`)).status).toBe(200);
      expect((await request(`${url}/health/ready`)).status).toBe(200);
    });
  });
});
