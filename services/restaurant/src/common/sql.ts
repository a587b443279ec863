import type { EntityManager, QueryResult } from 'typeorm';

/**
 * Runs raw SQL on a transactional EntityManager and returns the rows, whatever the statement
 * (TypeORM's plain `query` returns `[rows, count]` for UPDATE/DELETE and rows otherwise).
 */
export async function queryRows<T>(
  manager: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  if (!manager.queryRunner) throw new Error('queryRows needs the EntityManager of a transaction');
  const result = (await manager.queryRunner.query(text, params, true)) as QueryResult<T>;
  return result.records ?? [];
}
