import { trace } from '@opentelemetry/api';
import { counter } from './registry';

/** hit: answered from the cache; miss: loaded from the source; bypass: cache unusable (Redis down), source used. */
export type CacheResult = 'hit' | 'miss' | 'bypass';

const RESULTS: CacheResult[] = ['hit', 'miss', 'bypass'];

const cacheRequests = () =>
  counter({
    name: 'cache_requests_total',
    help: 'Cache lookups by cache and result (hit, miss, bypass when the cache is unavailable)',
    labelNames: ['cache', 'result'] as const,
  });

export interface CacheMetrics {
  /** Counts one lookup, and notes it on the active span (`cache.name`, `cache.result`). */
  record(result: CacheResult): void;
}

/**
 * Lookup counters for one named cache (e.g. "menu", "order"). The series start at 0, so hit ratios exist before
 * the first request and dashboards need no `or vector(0)`.
 */
export function cacheMetrics(cache: string): CacheMetrics {
  const metric = cacheRequests();
  const children = Object.fromEntries(
    RESULTS.map((result) => {
      metric.inc({ cache, result }, 0);
      return [result, metric.labels({ cache, result })];
    }),
  ) as Record<CacheResult, { inc(): void }>;
  return {
    record(result) {
      children[result].inc();
      const span = trace.getActiveSpan();
      if (span?.isRecording()) span.setAttributes({ 'cache.name': cache, 'cache.result': result });
    },
  };
}
