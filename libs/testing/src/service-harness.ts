import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from './test-database';
import { createTestRedisNamespace, type TestRedisNamespace } from './test-redis';

export interface RunningService<App extends INestApplication = INestApplication> {
  app: App;
  url: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface TestStack {
  db: TestDatabase;
  redis: TestRedisNamespace;
  /**
   * The env every service of this stack starts with: own database, own Redis prefix, quiet logs, and this
   * stack's own secrets (the order service's client secret, the operator's password).
   */
  baseEnv: Record<string, string>;
  /** The operator account the user service seeds from baseEnv (OPERATOR_PASSWORD). */
  operator: { username: string; password: string };
  /** Starts a service in-process on a free port; extra env overrides the base env. */
  start<App extends INestApplication>(
    createApp: (env: Record<string, string>) => Promise<App>,
    extraEnv?: Record<string, string>,
  ): Promise<RunningService<App>>;
  /** Closes every started service, drops the database and deletes the Redis keys. */
  teardown(): Promise<void>;
}

/** A private database + Redis namespace on the real servers, and the services started against them. */
export async function createTestStack(label: string): Promise<TestStack> {
  const db = await createTestDatabase(label);
  const redis = createTestRedisNamespace(label);
  const running: RunningService[] = [];
  const operator = { username: 'operator', password: randomBytes(12).toString('base64url') };
  const baseEnv: Record<string, string> = {
    ...stackSecrets(),
    OPERATOR_PASSWORD: operator.password,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '10',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: redis.prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  };
  return {
    db,
    redis,
    baseEnv,
    operator,
    async start(createApp, extraEnv = {}) {
      const env = { ...baseEnv, ...extraEnv };
      const app = await createApp(env);
      await app.listen(Number(env.PORT), env.HOST);
      const { port } = app.getHttpServer().address() as AddressInfo;
      const service: RunningService<typeof app> = {
        app,
        url: `http://127.0.0.1:${port}`,
        env,
        close: async () => {
          const index = running.indexOf(service as RunningService);
          if (index >= 0) running.splice(index, 1);
          await app.close();
        },
      };
      running.push(service as RunningService);
      return service;
    },
    async teardown() {
      await Promise.allSettled([...running].map((service) => service.close()));
      await db.drop();
      await redis.cleanup();
    },
  };
}

/**
 * Fresh secrets for one stack, as `npm start` generates them per installation: the order service's client
 * credentials at the user service. Nothing in the tests depends on a constant secret.
 */
export function stackSecrets(): Record<string, string> {
  const secret = randomBytes(18).toString('base64url');
  return {
    SERVICE_CLIENTS: `order-service:${secret}`,
    SERVICE_CLIENT_ID: 'order-service',
    SERVICE_CLIENT_SECRET: secret,
  };
}
