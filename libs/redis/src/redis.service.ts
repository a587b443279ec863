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

/**
 * The service's Redis connection. `client` is null when Redis is switched off (REDIS_URL=off);
 * `ready` tells whether it answers right now. Callers treat Redis as optional: caches fall back to Postgres.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis | null;
  readonly keyPrefix: string;

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
