import { cacheMetrics } from '@food-delivery/observability';
import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '@food-delivery/redis';
import { OrderEnv } from '../order.env';
import type { OrderDto } from './dto/order.dto';

/** cache_requests_total{cache="order",result}: hit, miss, or bypass while Redis is unusable. */
const cacheRequests = cacheMetrics('order');

/**
 * Each cached order is a hash {v: version, body: JSON}. A status change leaves a marker of its version without a
 * body (the next read is a MISS, as the spec's caching scenario expects); a reader may only fill the cache with a
 * version at least as new as the marker. So a slow reader can never put back an order older than the latest
 * status change (the usual delete-then-stale-refill race).
 * FILL: KEYS[1] = order key; ARGV = version, body, ttl ms.
 */
const FILL = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v'))
local mine = tonumber(ARGV[1])
if current and (current > mine or (current == mine and redis.call('HEXISTS', KEYS[1], 'body') == 1)) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'body', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** INVALIDATE: KEYS[1] = order key; ARGV = the new version, ttl ms. */
const INVALIDATE = `
local current = tonumber(redis.call('HGET', KEYS[1], 'v'))
if current and current > tonumber(ARGV[1]) then return 0 end
redis.call('HDEL', KEYS[1], 'body')
redis.call('HSET', KEYS[1], 'v', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

type CacheClient = NonNullable<RedisService['client']> & {
  orderCacheFill?: (key: string, version: number, body: string, ttlMs: number) => Promise<number>;
  orderCacheInvalidate?: (key: string, version: number, ttlMs: number) => Promise<number>;
};

/** Orders whose change could not be published while Redis was down; evicted once it is back. Bounded. */
const MAX_MISSED = 10_000;

/** `GET /orders/{id}` answers in Redis (spec: 5 minutes), invalidated on every status change. Redis is optional. */
@Injectable()
export class OrderCache {
  private readonly logger = new Logger(OrderCache.name);
  private readonly ttlMs: number;
  private missed = new Set<number>();
  private missedOverflow = false;

  constructor(
    private readonly redis: RedisService,
    env: OrderEnv,
  ) {
    this.ttlMs = env.ORDER_CACHE_TTL_S * 1000;
    const client: CacheClient | null = redis.client;
    if (client && !client.orderCacheFill) {
      client.defineCommand('orderCacheFill', { numberOfKeys: 1, lua: FILL });
      client.defineCommand('orderCacheInvalidate', { numberOfKeys: 1, lua: INVALIDATE });
    }
    client?.on('ready', () => void this.evictMissed());
  }

  /** `v2`: the body's shape (the original's `total_price`, `payment_status`, item `id`/`price`). */
  private static key(orderId: number): string {
    return `order:v2:${orderId}`;
  }

  /** The cached order, or null on a miss or while Redis is unavailable. */
  async get(orderId: number): Promise<OrderDto | null> {
    const client = this.redis.client;
    // Not connected, or a read just failed (a hung Redis): straight to Postgres.
    if (!client || !this.redis.readable) {
      cacheRequests.record('bypass');
      return null;
    }
    try {
      const body = await client.hget(OrderCache.key(orderId), 'body');
      cacheRequests.record(body ? 'hit' : 'miss');
      return body ? (JSON.parse(body) as OrderDto) : null;
    } catch (error) {
      cacheRequests.record('bypass');
      this.redis.readFailed();
      this.logger.debug(`Order cache read failed: ${(error as Error).message}`);
      return null;
    }
  }

  /** Caches an order read from Postgres (best effort: without Redis, reads simply go to Postgres). */
  async fill(order: OrderDto, version: number): Promise<void> {
    const client: CacheClient | null = this.redis.client;
    if (!client?.orderCacheFill || !this.redis.ready) return;
    try {
      await client.orderCacheFill(OrderCache.key(order.id), version, JSON.stringify(order), this.ttlMs);
    } catch (error) {
      this.logger.debug(`Order cache write failed: ${(error as Error).message}`);
    }
  }

  /** Drops the cached copy after a status change to `version`; the next read fills it from Postgres. */
  async invalidate(orderId: number, version: number): Promise<void> {
    const client: CacheClient | null = this.redis.client;
    if (!client?.orderCacheInvalidate) return;
    try {
      if (!this.redis.ready) throw new Error('Redis is not connected');
      await client.orderCacheInvalidate(OrderCache.key(orderId), version, this.ttlMs);
    } catch (error) {
      this.logger.debug(`Order cache invalidation failed: ${(error as Error).message}`);
      // A copy cached before the outage would be stale once Redis is back: evict it then.
      if (this.missed.size < MAX_MISSED) this.missed.add(orderId);
      else this.missedOverflow = true;
    }
  }

  private async evictMissed(): Promise<void> {
    const client = this.redis.client;
    if (!client || (this.missed.size === 0 && !this.missedOverflow)) return;
    const ids = [...this.missed];
    const overflow = this.missedOverflow;
    this.missed = new Set();
    this.missedOverflow = false;
    try {
      for (let i = 0; i < ids.length; i += 500) {
        await client.del(...ids.slice(i, i + 500).map((id) => OrderCache.key(id)));
      }
      if (overflow) {
        // Too many to track: drop every cached order instead (they are refilled from Postgres).
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(
            cursor,
            'MATCH',
            `${this.redis.keyPrefix}order:*`,
            'COUNT',
            500,
          );
          cursor = next;
          const own = keys.map((key) => key.slice(this.redis.keyPrefix.length));
          if (own.length) await client.del(...own);
        } while (cursor !== '0');
      }
      this.logger.log(`Evicted ${ids.length} cached orders changed while Redis was unavailable`);
    } catch (error) {
      this.logger.warn(`Could not evict stale cached orders: ${(error as Error).message}`);
      for (const id of ids) if (this.missed.size < MAX_MISSED) this.missed.add(id);
      this.missedOverflow ||= overflow;
    }
  }
}
