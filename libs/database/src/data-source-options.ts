import type { BaseEnv } from '@food-delivery/config';
import type { MixedList } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';

export interface ServiceDatabaseOptions {
  /** Postgres schema this service owns, e.g. "user". */
  schema: string;
  entities: MixedList<Function>;
  migrations: MixedList<Function>;
  /** Shown in pg_stat_activity, e.g. "user-service". */
  applicationName: string;
  /**
   * Session `lock_timeout` for every pooled connection, from the service's env: a lock wait longer than this
   * fails instead of queueing, without a `SET` round trip in each transaction.
   */
  lockTimeoutMs?: (env: DatabaseEnv) => number;
}

type DatabaseEnv = Pick<
  BaseEnv,
  'DATABASE_URL' | 'DATABASE_POOL_MAX' | 'DATABASE_ACQUIRE_TIMEOUT_MS' | 'DATABASE_STATEMENT_TIMEOUT_MS'
>;

/** TypeORM options for one service's schema: never synchronize, bounded pool, bounded waits. */
export function serviceDataSourceOptions(
  env: DatabaseEnv,
  options: ServiceDatabaseOptions,
): PostgresDataSourceOptions {
  return {
    type: 'postgres',
    url: env.DATABASE_URL,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    applicationName: options.applicationName,
    poolSize: env.DATABASE_POOL_MAX,
    connectTimeoutMS: env.DATABASE_ACQUIRE_TIMEOUT_MS,
    extra: {
      // A request that cannot get a connection in time fails fast (→ 503) instead of queueing forever.
      connectionTimeoutMillis: env.DATABASE_ACQUIRE_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      statement_timeout: env.DATABASE_STATEMENT_TIMEOUT_MS,
      ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs(env) } : {}),
      options: `-c search_path="${options.schema}",public`,
    },
  };
}
