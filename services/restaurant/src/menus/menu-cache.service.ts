import { Injectable, Logger, Optional } from '@nestjs/common';
import { ChaosService } from '@food-delivery/chaos';
import { cacheMetrics, type CacheMetrics } from '@food-delivery/observability';
import { RedisService } from '@food-delivery/redis';
import type Redis from 'ioredis';
import { SingleFlight } from './single-flight';

/**
 * Keys live under the shared REDIS_KEY_PREFIX, namespaced by service. `v2`: the body's shape (the original's
 * `inventory`/`is_available` names); a new shape takes new keys, so replicas of two versions never serve each
 * other's bodies during a rollout.
 */
export const MENU_LIST_KEY = 'restaurant:menus:v2:all';
export const menuKey = (id: number): string => `restaurant:menus:v2:${id}`;
/** Bumped on every invalidation of `key`; a load only writes back if it is unchanged since the load began. */
const versionKey = (key: string): string => `${key}:version`;

/**
 * Stores the entry only when the version read before the database load is still current. Without this, a load
 * that read Postgres just before a stock change could write the old stock back after the change's DEL and
 * serve it for a whole TTL.
 */
const SET_IF_VERSION = `
if (redis.call('GET', KEYS[2]) or '') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

/** `cache_requests_total{cache="menu_list"|"menu"}`: the list and single menus have different TTLs and traffic. */
const LIST_METRICS = cacheMetrics('menu_list');
const ITEM_METRICS = cacheMetrics('menu');
const metricsFor = (key: string): CacheMetrics => (key === MENU_LIST_KEY ? LIST_METRICS : ITEM_METRICS);
/** The cache's name for cache_failure and the metrics: `menu_list` or `menu`. */
const cacheOf = (key: string): string => (key === MENU_LIST_KEY ? 'menu_list' : 'menu');
/** How many invalidations a `stale` fault may hold back (then it invalidates as usual). */
const MAX_KEPT_STALE = 10_000;
/** Thrown to leave the read path for a bypassed read (not an error of Redis). */
const BYPASSED = new Error('cache_failure bypass');
/** A read's Redis command timeout (redisOptions): what a `timeout` dependency fault waits. */
const REDIS_COMMAND_TIMEOUT_MS = 1000;

export interface CachedBody {
  /** The JSON response body, as stored in Redis. */
  body: string;
  hit: boolean;
}

/**
 * Read-through cache of menu responses in Redis. Redis is optional: when it is off, down or slow, answers come
 * from Postgres. Concurrent misses for one key share a single database load (per replica).
 */
@Injectable()
export class MenuCache {
  private readonly logger = new Logger(MenuCache.name);
  private readonly flights = new SingleFlight<string>();
  /** Keys whose invalidation did not reach Redis: bypassed by this replica until it does. */
  private readonly pending = new Set<string>();
  private flushing: Promise<void> | null = null;
  /** Keys to invalidate at the end of this turn of the event loop, and the promise their callers wait on. */
  private nextInvalidation: { keys: Set<string>; done: Promise<void> } | null = null;
  private lastWarning = 0;
  /** Keys whose invalidation a cache_failure `stale` fault skipped: invalidated once it ends. */
  private readonly keptStale = new Set<string>();

  constructor(
    private readonly redis: RedisService,
    @Optional() private readonly chaos?: ChaosService,
  ) {
    redis.client?.on('ready', () => void this.flushPending());
    chaos?.onChange(() => {
      if (this.keptStale.size > 0 && this.chaos?.active<{ mode: string }>('cache_failure')?.mode !== 'stale')
        void this.releaseStale();
    });
  }

  /**
   * The chaos knobs on a cache read: cache_failure `bypass` (true: treat as a miss) and `slow` (waits first),
   * and dependency `redis` (rejects like a failed Redis command). Nothing to do (the usual case): sync false.
   */
  private readFaults(key: string): Promise<boolean> | false {
    const chaos = this.chaos;
    if (!chaos || !this.faultsOn(key)) return false;
    return this.applyReadFaults(chaos, key);
  }

  /** Whether a cache_failure on this key's cache or a dependency fault on Redis is in force here. */
  private faultsOn(key: string): boolean {
    const cacheFault = this.chaos?.active<{ cache: string | null }>('cache_failure');
    if (cacheFault && (cacheFault.cache === null || cacheFault.cache === cacheOf(key))) return true;
    return this.chaos?.active<{ target: string }>('dependency')?.target === 'redis';
  }

  private async applyReadFaults(chaos: ChaosService, key: string): Promise<boolean> {
    const cache = cacheOf(key);
    const bypass = chaos.cacheFault(cache, 'bypass');
    if (bypass) {
      chaos.injected(bypass, { cache, mode: 'bypass' }, `cache ${cache}: read bypassed (miss)`);
      return true;
    }
    const slow = chaos.cacheFault(cache, 'slow');
    if (slow) {
      chaos.injected(
        slow,
        { cache, mode: 'slow', latency_ms: slow.latency_ms },
        `cache ${cache}: read +${slow.latency_ms}ms`,
      );
      await chaos.sleep(slow.latency_ms);
    }
    await chaos.dependencyFailure('redis', { timeoutMs: REDIS_COMMAND_TIMEOUT_MS });
    return false;
  }

  /**
   * The cached body's bytes when Redis has them, else null (miss, Redis unusable, a read error): the caller then
   * goes through `get`, which loads, fills and records the outcome. Only a hit is recorded here. Bytes, not text:
   * they go to the socket as they came, with no UTF-8 decoding and re-encoding of a body nobody reads.
   */
  async peek(key: string): Promise<Buffer | null> {
    const client = this.usableClient(key);
    if (!client) return null;
    // Under a cache fault the read goes on to get(), which applies it once (one roll, one injection, one wait).
    if (this.faultsOn(key)) return null;
    try {
      const cached = await client.getBuffer(key);
      if (cached !== null) metricsFor(key).record('hit');
      return cached;
    } catch (error) {
      this.readFailed(error);
      return null;
    }
  }

  async get(key: string, ttlMs: number, load: () => Promise<unknown>): Promise<CachedBody> {
    const client = this.usableClient(key);
    // undefined: do not write back (Redis unusable); null: never invalidated yet.
    let version: string | null | undefined;
    const metrics = metricsFor(key);
    let bypassed = false;
    if (client) {
      try {
        const faults = this.readFaults(key);
        bypassed = faults !== false && (await faults);
        if (bypassed) throw BYPASSED;
        const [cached, seen] = await client.mget(key, versionKey(key));
        if (cached !== null) {
          metrics.record('hit');
          return { body: cached, hit: true };
        }
        version = seen;
      } catch (error) {
        if (error !== BYPASSED) this.readFailed(error);
      }
    }
    // A cache_failure bypass is a miss (as the fault says), not Redis being unusable.
    metrics.record(version === undefined && !bypassed ? 'bypass' : 'miss');
    const body = await this.flights.run(key, async () => {
      const json = JSON.stringify(await load());
      if (client && version !== undefined) {
        await client
          .eval(SET_IF_VERSION, 2, key, versionKey(key), version ?? '', json, ttlMs)
          .catch((error: unknown) => this.warn('write', error));
      }
      return json;
    });
    return { body, hit: false };
  }

  /**
   * Drops the list and the given menus' entries after their stock changed (call after the commit). Calls made in
   * the same turn of the event loop share one Redis round trip (under load many reservations finish together);
   * each caller resolves once its keys are gone.
   */
  invalidateMenus(menuIds: Iterable<number>): Promise<void> {
    const keys = this.skipStale([MENU_LIST_KEY, ...new Set([...menuIds].map(menuKey))]);
    if (keys.length === 0) return Promise.resolve();
    for (const key of keys) this.flights.forget(key);
    if (!this.nextInvalidation) {
      const batch = new Set<string>();
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.nextInvalidation = null;
        return this.invalidate([...batch]);
      });
      this.nextInvalidation = { keys: batch, done };
    }
    for (const key of keys) this.nextInvalidation.keys.add(key);
    return this.nextInvalidation.done;
  }

  /** cache_failure `stale`: the keys whose invalidation it skips are kept (old values stay served), the rest returned. */
  private skipStale(keys: string[]): string[] {
    const chaos = this.chaos;
    if (!chaos?.active('cache_failure')) return keys;
    return keys.filter((key) => {
      const cache = cacheOf(key);
      const fault = chaos.cacheFault(cache, 'stale');
      if (!fault || this.keptStale.size >= MAX_KEPT_STALE) return true;
      this.keptStale.add(key);
      chaos.injected(
        fault,
        { cache, mode: 'stale' },
        `cache ${cache}: invalidation of ${key} skipped (stale)`,
      );
      return false;
    });
  }

  /** The stale fault ended: the invalidations it held back happen now. */
  private async releaseStale(): Promise<void> {
    const keys = [...this.keptStale];
    this.keptStale.clear();
    for (const key of keys) this.flights.forget(key);
    await this.invalidate(keys);
    this.logger.log(`cache_failure stale ended: invalidated ${keys.length} menu cache entries it had kept`);
  }

  private async invalidate(keys: string[]): Promise<void> {
    const client = this.redis.client;
    if (!client) return;
    try {
      if (client.status !== 'ready') throw new Error(`Redis connection is ${client.status}`);
      const multi = client.multi();
      for (const key of keys) multi.incr(versionKey(key)).del(key);
      const results = (await multi.exec()) ?? [];
      const failure = results.map(([error]) => error).find((error) => error instanceof Error);
      if (failure) throw failure;
      for (const key of keys) this.pending.delete(key);
    } catch (error) {
      // Redis may come back still holding the old entries: keep bypassing them until they are gone.
      for (const key of keys) this.pending.add(key);
      this.warn('invalidate', error);
    }
  }

  private usableClient(key: string): Redis | null {
    const client = this.redis.client;
    if (!client || !this.redis.readable) return null;
    if (this.pending.size > 0) void this.flushPending();
    return this.pending.has(key) ? null : client;
  }

  private flushPending(): Promise<void> {
    if (this.pending.size === 0 || this.redis.client?.status !== 'ready') return Promise.resolve();
    this.flushing ??= this.invalidate([...this.pending]).finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** A read failed, typically a timeout of a hung Redis: reads skip it for a moment (RedisService.readable). */
  private readFailed(error: unknown): void {
    this.redis.readFailed();
    this.warn('read', error);
  }

  /** Redis trouble is expected during chaos runs: one warning per few seconds, not one per request. */
  private warn(action: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 5000) return;
    this.lastWarning = now;
    this.logger.warn(
      { event: 'menu_cache.degraded', action, err: (error as Error)?.message },
      'Menu cache unavailable, serving from Postgres',
    );
  }
}
