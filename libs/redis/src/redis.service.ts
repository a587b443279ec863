import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { BaseEnv } from '@food-delivery/config';
import Redis, { type RedisOptions } from 'ioredis';

/** Connection settings shared by every client: fail fast while Redis is down, reconnect in the background. */
export function redisOptions(env: Pick<BaseEnv, 'REDIS_KEY_PREFIX'>, extra: RedisOptions = {}): RedisOptions {
  return {
    keyPrefix: env.REDIS_KEY_PREFIX,
    lazyConnect: true,
    // Commands issued while disconnected fail at once instead of piling up in memory.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
    ...extra,
  };
}

/** How long cache reads skip Redis after one failed (`RedisService.readable`). */
export const READ_BACKOFF_MS = 1000;

/**
 * The service's Redis connection. `client` is null when Redis is switched off (REDIS_URL=off);
 * `ready` tells whether it answers right now. Callers treat Redis as optional: caches fall back to Postgres.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis | null;
  readonly keyPrefix: string;
  private skipReadsUntil = 0;

  constructor(private readonly env: BaseEnv) {
    this.keyPrefix = env.REDIS_KEY_PREFIX;
    if (!env.redisEnabled) {
      this.client = null;
      this.logger.warn('Redis is off (REDIS_URL=off): caching disabled, chaos state local to this replica');
      return;
    }
    // Commands issued in the same event-loop turn leave in one write: under load many requests are waiting on
    // Redis at once, and on this kind of machine each socket write costs more than the command itself.
    this.client = new Redis(env.REDIS_URL as string, redisOptions(env, { enableAutoPipelining: true }));
    let wasReady = false;
    this.client.on('ready', () => {
      wasReady = true;
      this.logger.log('Redis connected');
    });
    this.client.on('error', (error: Error) => {
      if (wasReady) this.logger.warn(`Redis unavailable: ${error.message}`);
      wasReady = false;
    });
    this.client.connect().catch((error: Error) => {
      this.logger.warn(`Redis not reachable at start (${error.message}); retrying in the background`);
    });
  }

  get enabled(): boolean {
    return this.client !== null;
  }

  get ready(): boolean {
    return this.client?.status === 'ready';
  }

  /**
   * Whether a cache read should go to Redis now: connected, and no read failed in the last READ_BACKOFF_MS. A Redis
   * that hangs (connected, not answering) runs every command into its timeout; after one such failure, reads skip
   * Redis for a moment, so one request per moment pays that wait instead of every request.
   */
  get readable(): boolean {
    return this.ready && Date.now() >= this.skipReadsUntil;
  }

  /** Notes a failed read (see `readable`). */
  readFailed(): void {
    this.skipReadsUntil = Date.now() + READ_BACKOFF_MS;
  }

  /** A second connection (pub/sub needs its own), with the same settings but no auto-pipelining. */
  duplicate(extra: RedisOptions = {}): Redis | null {
    return this.client
      ? this.client.duplicate({ ...redisOptions(this.env, { enableAutoPipelining: false, ...extra }) })
      : null;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    await this.client.quit().catch(() => this.client?.disconnect());
  }
}
