import { gauge } from './registry';

/** What node-postgres' Pool tells about itself. */
export interface PgPoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** Pools alive in this process (one per service; tests run several apps in one process), read at scrape time. */
const pools = new Set<() => PgPoolStats | undefined>();

function poolGauge(name: string, help: string, read: (pool: PgPoolStats) => number) {
  return gauge({
    name,
    help,
    collect() {
      let sum = 0;
      for (const pool of pools) {
        const stats = pool();
        if (stats) sum += read(stats) || 0;
      }
      this.set(sum);
    },
  });
}

let created = false;

/** Reports a pg pool as `pg_pool_*` gauges until the returned function is called. */
export function trackPgPool(pool: () => PgPoolStats | undefined): () => void {
  if (!created) {
    created = true;
    poolGauge(
      'pg_pool_total_connections',
      'Connections the pg pool holds open (idle + in use)',
      (p) => p.totalCount,
    );
    poolGauge('pg_pool_idle_connections', 'Open pg connections not in use', (p) => p.idleCount);
    poolGauge(
      'pg_pool_waiting_clients',
      'Queries waiting for a pg connection because the pool is exhausted',
      (p) => p.waitingCount,
    );
    poolGauge(
      'pg_pool_max_connections',
      'Upper bound of the pg pool (DATABASE_POOL_MAX)',
      (p) => p.options?.max ?? 0,
    );
  }
  pools.add(pool);
  return () => pools.delete(pool);
}
