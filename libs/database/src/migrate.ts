import { MigrationExecutor, type DataSource, type Migration } from 'typeorm';

/** Stable 32-bit key for pg_advisory_lock, derived from the schema name. */
function lockKey(schema: string): number {
  let hash = 0;
  for (const char of `food-delivery:migrate:${schema}`) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

/**
 * Runs pending migrations of one service. Replicas starting together serialise on an advisory lock, so only
 * one of them migrates and the others find nothing left to do.
 */
export async function runMigrations(dataSource: DataSource, schema: string): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [lockKey(schema)]);
    // TypeORM creates its migrations table inside the schema before the first migration runs.
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    // On the connection that holds the lock: a second one would deadlock a pool of one (DATABASE_POOL_MAX=1).
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    return await executor.executePendingMigrations();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [lockKey(schema)]).catch(() => undefined);
    await runner.release();
  }
}
