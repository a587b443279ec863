import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedisNamespace {
  /** Key prefix to give the service (REDIS_KEY_PREFIX); every key the run writes starts with it. */
  prefix: string;
  url: string;
  /** Deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

/** An isolated key namespace on the real Redis for one test file. */
export function createTestRedisNamespace(label = 'test'): TestRedisNamespace {
  const prefix = `fdtest:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
  return {
    prefix,
    url: TEST_REDIS_URL,
    cleanup: async () => {
      const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await client.connect();
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length) await client.del(...keys);
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
    },
  };
}
