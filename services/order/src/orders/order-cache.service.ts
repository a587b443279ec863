import { cacheMetrics } from '@food-delivery/observability';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { ChaosService } from '@food-delivery/chaos';
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
/** The cache's name for cache_failure and the metrics. */
const CACHE = 'order';
/** A read's Redis command timeout (redisOptions): what a `timeout` dependency fault waits. */
const REDIS_COMMAND_TIMEOUT_MS = 1000;

/** `GET /orders/{id}` answers in Redis (spec: 5 minutes), invalidated on every status change. Redis is optional. */
@Injectable()
export class OrderCache {
  private readonly logger = new Logger(OrderCache.name);
  private readonly ttlMs: number;
  private missed = new Set<number>();
  private missedOverflow = false;
  /** Invalidations a cache_failure `stale` fault skipped (order id → version): done once it ends. Bounded. */
  private readonly keptStale = new Map<number, number>();

  constructor(
    private readonly redis: RedisService,
    env: OrderEnv,
    @Optional() private readonly chaos?: ChaosService,
  ) {
    this.ttlMs = env.ORDER_CACHE_TTL_S * 1000;
    const client: CacheClient | null = redis.client;
    if (client && !client.orderCacheFill) {
      client.defineCommand('orderCacheFill', { numberOfKeys: 1, lua: FILL });
      client.defineCommand('orderCacheInvalidate', { numberOfKeys: 1, lua: INVALIDATE });
    }
    client?.on('ready', () => void this.evictMissed());
    chaos?.onChange(() => {
      if (this.keptStale.size > 0 && this.chaos?.active<{ mode: string }>('cache_failure')?.mode !== 'stale')
        void this.releaseStale();
    });
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
      if (this.chaos && (this.chaos.active('cache_failure') || this.chaos.active('dependency'))) {
        if (await this.readFaults(this.chaos)) {
          cacheRequests.record('miss');
          return null;
        }
      }
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

  /**
   * cache_failure `bypass` (true: this read is a miss) and `slow` (waits first), and dependency `redis` (rejects
   * like a failed Redis command).
   */
  private async readFaults(chaos: ChaosService): Promise<boolean> {
    const bypass = chaos.cacheFault(CACHE, 'bypass');
    if (bypass) {
      chaos.injected(bypass, { cache: CACHE, mode: 'bypass' }, `cache ${CACHE}: read bypassed (miss)`);
      return true;
    }
    const slow = chaos.cacheFault(CACHE, 'slow');
    if (slow) {
      chaos.injected(
        slow,
        { cache: CACHE, mode: 'slow', latency_ms: slow.latency_ms },
        `cache ${CACHE}: read +${slow.latency_ms}ms`,
      );
      await chaos.sleep(slow.latency_ms);
    }
    await chaos.dependencyFailure('redis', { timeoutMs: REDIS_COMMAND_TIMEOUT_MS });
    return false;
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
    const stale = this.chaos?.active('cache_failure') ? this.chaos.cacheFault(CACHE, 'stale') : null;
    if (stale && (this.keptStale.size < MAX_MISSED || this.keptStale.has(orderId))) {
      // The old status stays cached (and served) until the fault ends.
      this.keptStale.set(orderId, Math.max(version, this.keptStale.get(orderId) ?? 0));
      this.chaos?.injected(
        stale,
        { cache: CACHE, mode: 'stale', order_id: orderId },
        `cache ${CACHE}: invalidation of order ${orderId} skipped (stale)`,
      );
      return;
    }
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

  /** The stale fault ended: the invalidations it held back happen now. */
  private async releaseStale(): Promise<void> {
    const kept = [...this.keptStale];
    this.keptStale.clear();
    for (const [orderId, version] of kept) await this.invalidate(orderId, version);
    this.logger.log(`cache_failure stale ended: invalidated ${kept.length} cached orders it had kept`);
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
