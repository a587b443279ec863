/** SQLSTATE of a failed query, wrapped by TypeORM or not. */
export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error` is Postgres' unique_violation (23505), wrapped or not by TypeORM. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}
