import { Logger } from '@nestjs/common';
import { validateEnv } from '@food-delivery/config';
import { READ_BACKOFF_MS, RedisService } from '@food-delivery/redis';
import {
  createTestRedisNamespace,
  stackSecrets,
  TcpProxy,
  timed,
  viaProxy,
  waitFor,
  type TestRedisNamespace,
} from '@food-delivery/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { OrderEnv } from '../order.env';
import type { OrderDto } from './dto/order.dto';
import { OrderCache } from './order-cache.service';

const order = (status: OrderDto['status']): OrderDto => ({
  id: 42,
  user_id: 1,
  status,
  items: [],
  total_price: null,
  currency: 'KRW',
  address: 'a',
  phone: '010-1234-5678',
  failure_reason: null,
  payment_status: 'pending',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

/** The version rules of the order cache, on the real Redis. */
describe('OrderCache', () => {
  let namespace: TestRedisNamespace;
  let redis: RedisService;
  let cache: OrderCache;

  before(async () => {
    Logger.overrideLogger(['error']);
    namespace = createTestRedisNamespace('order_cache');
    const env = validateEnv(OrderEnv, {
      ...stackSecrets(),
      REDIS_URL: namespace.url,
      REDIS_KEY_PREFIX: namespace.prefix,
    });
    redis = new RedisService(env);
    cache = new OrderCache(redis, env);
    await waitFor('redis', () => redis.ready);
  });

  after(async () => {
    await redis.onApplicationShutdown();
    await namespace.cleanup();
  });

  it('a status change invalidates, and a slow reader cannot put back the older version', async () => {
    await cache.fill(order('PENDING'), 1);
    expect((await cache.get(42))?.status).toBe('PENDING');

    await cache.invalidate(42, 2); // PENDING → CONFIRMED committed as version 2
    expect(await cache.get(42)).toBeNull(); // the next read is a MISS

    await cache.fill(order('PENDING'), 1); // a reader that read before the change finishes late
    expect(await cache.get(42)).toBeNull();

    await cache.fill(order('CONFIRMED'), 2);
    expect((await cache.get(42))?.status).toBe('CONFIRMED');
    await cache.fill(order('PENDING'), 1);
    expect((await cache.get(42))?.status).toBe('CONFIRMED');

    await cache.invalidate(42, 1); // an older invalidation arriving late changes nothing
    expect((await cache.get(42))?.status).toBe('CONFIRMED');
  });

  it('while Redis hangs, one read waits for its timeout and the next ones go straight to Postgres', async () => {
    const target = new URL(namespace.url);
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 6379)).start();
    const env = validateEnv(OrderEnv, {
      ...stackSecrets(),
      REDIS_URL: viaProxy(namespace.url, proxy),
      REDIS_KEY_PREFIX: namespace.prefix,
    });
    const hung = new RedisService(env);
    try {
      const proxied = new OrderCache(hung, env);
      await waitFor('redis through the proxy', () => hung.ready);
      await proxied.fill(order('CONFIRMED'), 3);
      expect((await proxied.get(42))?.status).toBe('CONFIRMED');

      proxy.freeze();
      const read = async () => {
        const { result: found, ms } = await timed(() => proxied.get(42));
        return { found, ms };
      };
      const first = await read();
      expect(first.found).toBeNull();
      expect(first.ms).toBeGreaterThanOrEqual(900); // ioredis' command timeout
      const next = await read();
      expect([next.found, next.ms < 200]).toEqual([null, true]);

      proxy.thaw();
      await sleep(READ_BACKOFF_MS);
      expect((await proxied.get(42))?.status).toBe('CONFIRMED');
    } finally {
      await hung.onApplicationShutdown();
      await proxy.stop();
    }
  });
});
