import { BaseEnv, validateEnv } from '@food-delivery/config';
import { createTestRedisNamespace, type TestRedisNamespace } from '@food-delivery/testing';
import { Logger } from '@nestjs/common';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { READ_BACKOFF_MS, RedisService } from './redis.service';

/** Real Redis: the shared connection's settings that the hot paths depend on. */
describe('RedisService', () => {
  let ns: TestRedisNamespace;
  let redis: RedisService;

  before(async () => {
    Logger.overrideLogger(false);
    ns = createTestRedisNamespace('redis-service');
    redis = new RedisService(validateEnv(BaseEnv, { REDIS_URL: ns.url, REDIS_KEY_PREFIX: ns.prefix }));
    const deadline = Date.now() + 5000;
    while (!redis.ready && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  });

  after(async () => {
    await redis?.onApplicationShutdown();
    await ns?.cleanup();
  });

  it('sends the commands of one event-loop turn together (auto-pipelining), each with its own answer', async () => {
    const client = redis.client!;
    const writes = Array.from({ length: 20 }, (_, i) => client.set(`pipelined:${i}`, `value-${i}`));
    // Queued for a single write at the end of this turn rather than written one by one.
    expect(client.autoPipelineQueueSize).toBe(20);
    await Promise.all(writes);
    const reads = Array.from({ length: 20 }, (_, i) => client.get(`pipelined:${i}`));
    expect(client.autoPipelineQueueSize).toBe(20);
    expect(await Promise.all(reads)).toEqual(Array.from({ length: 20 }, (_, i) => `value-${i}`));
    // Still under the service's key prefix.
    expect(await client.exists('pipelined:0')).toBe(1);
  });

  it('gives pub/sub its own connection, without auto-pipelining, with the same key prefix', async () => {
    const subscriber = redis.duplicate()!;
    try {
      expect(subscriber.options.enableAutoPipelining).toBe(false);
      expect(subscriber.options.keyPrefix).toBe(ns.prefix);
      await subscriber.connect();
      const received = new Promise<string>((resolve) =>
        subscriber.once('message', (_channel, text) => resolve(text)),
      );
      await subscriber.subscribe('redis-service-spec');
      await redis.client!.publish('redis-service-spec', 'hello');
      expect(await received).toBe('hello');
    } finally {
      subscriber.disconnect();
    }
  });

  it('is readable while connected, and not for READ_BACKOFF_MS after a failed read', async () => {
    expect(redis.readable).toBe(true);
    redis.readFailed();
    expect([redis.ready, redis.readable]).toEqual([true, false]);
    await new Promise((resolve) => setTimeout(resolve, READ_BACKOFF_MS + 20));
    expect(redis.readable).toBe(true);
  });
});
