import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { validateEnv } from '@food-delivery/config';
import { READ_BACKOFF_MS, RedisService } from '@food-delivery/redis';
import {
  createTestRedisNamespace,
  TcpProxy,
  TEST_REDIS_URL,
  timed,
  viaProxy,
  waitFor,
  type TestRedisNamespace,
} from '@food-delivery/testing';
import { MenuCache, menuKey } from '../src/menus/menu-cache.service';
import { RestaurantEnv } from '../src/restaurant.env';

/** MenuCache against the real Redis: the parts that HTTP tests cannot pin down deterministically. */
describe('MenuCache (real Redis)', () => {
  let ns: TestRedisNamespace;
  const services: RedisService[] = [];

  const connect = async (url = TEST_REDIS_URL, prefix = ns.prefix) => {
    const redis = new RedisService(validateEnv(RestaurantEnv, { REDIS_URL: url, REDIS_KEY_PREFIX: prefix }));
    services.push(redis);
    if (redis.client) await waitFor('redis ready', () => redis.ready);
    return redis;
  };

  /** A loader that counts its calls and returns `value()` at the time it runs. */
  const counting = (value: () => unknown, gate?: Promise<void>) => {
    const loader = async () => {
      loader.calls++;
      if (gate) await gate;
      return value();
    };
    loader.calls = 0;
    return loader;
  };

  before(() => {
    // The expected Redis outage warnings would only clutter the test output.
    Logger.overrideLogger(false);
    ns = createTestRedisNamespace('menucache');
  });

  after(async () => {
    await Promise.all(services.map((service) => service.onApplicationShutdown()));
    await ns.cleanup();
  });

  it('misses, then hits with the stored body and the given TTL', async () => {
    const redis = await connect();
    const cache = new MenuCache(redis);
    const load = counting(() => ({ id: 1, stock: 5 }));
    expect(await cache.get(menuKey(1), 5000, load)).toEqual({ body: '{"id":1,"stock":5}', hit: false });
    expect(await cache.get(menuKey(1), 5000, load)).toEqual({ body: '{"id":1,"stock":5}', hit: true });
    expect(load.calls).toBe(1);
    const ttl = await redis.client!.pttl(menuKey(1));
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5000);
  });

  it('loads a cold key once for a burst of concurrent misses', async () => {
    const cache = new MenuCache(await connect());
    let open!: () => void;
    const load = counting(() => ({ id: 2 }), new Promise<void>((resolve) => (open = resolve)));
    const burst = Promise.all(Array.from({ length: 30 }, () => cache.get(menuKey(2), 5000, load)));
    await sleep(20);
    open();
    const results = await burst;
    expect(load.calls).toBe(1);
    expect(results.every((r) => !r.hit && r.body === '{"id":2}')).toBe(true);
    expect((await cache.get(menuKey(2), 5000, load)).hit).toBe(true);
  });

  it('does not write back a load that an invalidation overtook', async () => {
    const cache = new MenuCache(await connect());
    let stock = 10;
    let open!: () => void;
    const slow = counting(() => ({ id: 3, stock }), new Promise<void>((resolve) => (open = resolve)));
    // The load reads "Postgres" (stock 10) but is slow to finish...
    const inflight = cache.get(menuKey(3), 5000, async () => {
      const snapshot = { id: 3, stock };
      await slow();
      return snapshot;
    });
    await sleep(20);
    // ...meanwhile the stock changes and the entry is invalidated.
    stock = 9;
    await cache.invalidateMenus([3]);
    open();
    expect(JSON.parse((await inflight).body)).toEqual({ id: 3, stock: 10 });
    // The stale value was not stored: the next read loads again and sees 9.
    const fresh = counting(() => ({ id: 3, stock }));
    expect(await cache.get(menuKey(3), 5000, fresh)).toEqual({ body: '{"id":3,"stock":9}', hit: false });
    expect(fresh.calls).toBe(1);
  });

  it('serves from the loader while Redis is down and never serves what an unreached invalidation left', async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 6379)).start();
    try {
      const cache = new MenuCache(await connect(viaProxy(TEST_REDIS_URL, proxy)));
      let stock = 7;
      const load = counting(() => ({ id: 4, stock }));
      await cache.get(menuKey(4), 30_000, load);
      expect((await cache.get(menuKey(4), 30_000, load)).hit).toBe(true);

      await proxy.stop();
      stock = 6;
      await cache.invalidateMenus([4]); // cannot reach Redis: the old entry survives there
      const down = await cache.get(menuKey(4), 30_000, load);
      expect(down).toEqual({ body: '{"id":4,"stock":6}', hit: false });

      await proxy.start();
      const back = await waitFor('the pending invalidation to reach Redis', async () => {
        const result = await cache.get(menuKey(4), 30_000, load);
        return result.hit ? result : null;
      });
      expect(back.body).toBe('{"id":4,"stock":6}');
    } finally {
      await proxy.stop();
    }
  });

  it('after a read times out (Redis hangs), skips Redis for READ_BACKOFF_MS, then tries again', async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 6379)).start();
    try {
      const cache = new MenuCache(await connect(viaProxy(TEST_REDIS_URL, proxy)));
      const load = counting(() => ({ id: 6 }));
      await cache.get(menuKey(6), 30_000, load);
      expect(await cache.peek(menuKey(6))).toEqual(Buffer.from('{"id":6}'));

      proxy.freeze();
      const first = await timed(() => cache.peek(menuKey(6)));
      expect(first.result).toBeNull();
      expect(first.ms).toBeGreaterThanOrEqual(900); // ioredis' command timeout
      // Within the backoff neither a peek nor a read-through waits for Redis.
      const peek = await timed(() => cache.peek(menuKey(6)));
      const read = await timed(() => cache.get(menuKey(6), 30_000, load));
      expect([peek.result, peek.ms < 200]).toEqual([null, true]);
      expect([read.result, read.ms < 200]).toEqual([{ body: '{"id":6}', hit: false }, true]);

      proxy.thaw();
      await sleep(READ_BACKOFF_MS);
      expect(await cache.peek(menuKey(6))).toEqual(Buffer.from('{"id":6}'));
    } finally {
      await proxy.stop();
    }
  });

  it('works without Redis at all (REDIS_URL=off): every read loads, concurrent ones share a load', async () => {
    const cache = new MenuCache(await connect('off'));
    const load = counting(() => ({ id: 5 }));
    const results = await Promise.all([1, 2, 3].map(() => cache.get(menuKey(5), 5000, load)));
    expect(results.every((r) => !r.hit)).toBe(true);
    expect(load.calls).toBe(1);
    expect((await cache.get(menuKey(5), 5000, load)).hit).toBe(false);
    expect(load.calls).toBe(2);
  });
});
