/**
 * The live numbers, from the services' own /metrics: every 2 s the console scrapes each instance, and each
 * step's rate, error share and p50/p99 come from the difference between two scrapes (as Prometheus' rate() and
 * histogram_quantile() would compute them over that step). Plain functions: parsing, deltas, quantiles.
 */

/** The HTTP server histogram every service exports (libs/observability http-metrics.ts). */
export const HTTP_DURATION = 'http_server_request_duration_seconds';
/** Orders by final status and failure reason (services/order metrics.ts). */
export const ORDERS_TOTAL = 'orders_total';

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/**
 * The samples of the metric families whose name starts with one of `prefixes`, from the Prometheus text format
 * (exemplars and timestamps ignored). Other families are skipped without parsing their labels.
 */
export function parseMetrics(text: string, prefixes: readonly string[]): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (!prefixes.some((prefix) => line.startsWith(prefix))) continue;
    const match = SAMPLE_LINE.exec(line.split(' # ')[0]);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL))
      labels[name] = value.replace(/\\(.)/g, (_all, char: string) => (char === 'n' ? '\n' : char));
    const value = parseValue(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** One scrape of one instance, reduced to what the charts need. */
export interface Snapshot {
  /** Epoch ms of the scrape. */
  at: number;
  /** Cumulative request counts by bucket upper bound (seconds), summed over method, route and status. */
  buckets: Map<number, number>;
  requests: number;
  /** Requests answered 5xx (status_class="5xx"). */
  errors: number;
  /** orders_total by "status/reason". */
  orders: Map<string, number>;
  /** process_start_time_seconds, for the uptime. */
  startedAt: number | null;
  /** nodejs_version_info's version. */
  nodeVersion: string | null;
}

export function snapshotOf(text: string, at: number): Snapshot {
  const snapshot: Snapshot = {
    at,
    buckets: new Map(),
    requests: 0,
    errors: 0,
    orders: new Map(),
    startedAt: null,
    nodeVersion: null,
  };
  const samples = parseMetrics(text, [
    HTTP_DURATION,
    ORDERS_TOTAL,
    'process_start_time_seconds',
    'nodejs_version_info',
  ]);
  for (const sample of samples) {
    if (sample.name === `${HTTP_DURATION}_bucket`) {
      const le = parseValue(sample.labels.le ?? '');
      if (!Number.isNaN(le)) snapshot.buckets.set(le, (snapshot.buckets.get(le) ?? 0) + sample.value);
    } else if (sample.name === `${HTTP_DURATION}_count`) {
      snapshot.requests += sample.value;
      if (sample.labels.status_class === '5xx') snapshot.errors += sample.value;
    } else if (sample.name === ORDERS_TOTAL) {
      const key = `${sample.labels.status ?? 'unknown'}/${sample.labels.reason ?? ''}`;
      snapshot.orders.set(key, (snapshot.orders.get(key) ?? 0) + sample.value);
    } else if (sample.name === 'process_start_time_seconds') {
      snapshot.startedAt = sample.value;
    } else if (sample.name === 'nodejs_version_info') {
      snapshot.nodeVersion = sample.labels.version ?? null;
    }
  }
  return snapshot;
}

/**
 * How much a counter grew from `before` to `after`. A counter that went down was reset (the process restarted):
 * its whole current value is the growth, as Prometheus' increase() counts it.
 */
export const counterDelta = (before: number, after: number): number =>
  after >= before ? after - before : after;

/**
 * The q-quantile (0 < q < 1) of a histogram given as cumulative bucket counts, by linear interpolation inside
 * the bucket the rank falls in, exactly as PromQL's histogram_quantile: the first bucket starts at 0, a rank in
 * the +Inf bucket answers the largest finite bound. Null when the histogram is empty.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const sorted = [...buckets.entries()].sort(([a], [b]) => a - b);
  if (sorted.length === 0 || sorted[sorted.length - 1][0] !== Infinity) return null;
  const total = sorted[sorted.length - 1][1];
  if (!(total > 0)) return null;
  const rank = q * total;
  let lowerBound = 0;
  let countBelow = 0;
  for (const [upperBound, count] of sorted) {
    if (count >= rank) {
      if (upperBound === Infinity) return lowerBound;
      const inBucket = count - countBelow;
      if (inBucket <= 0) return upperBound;
      return lowerBound + (upperBound - lowerBound) * ((rank - countBelow) / inBucket);
    }
    lowerBound = upperBound;
    countBelow = count;
  }
  return lowerBound;
}

/** One chart step of one service. */
export interface StepPoint {
  /** Epoch ms at the end of the step. */
  t: number;
  /** Requests per second. */
  rate: number;
  /** Share of requests answered 5xx, 0-1; null with no requests. */
  errorShare: number | null;
  /** Latency quantiles in milliseconds; null with no requests. */
  p50: number | null;
  p99: number | null;
  /** Orders that reached each outcome in this step, by "status/reason" (order service only). */
  orders: Record<string, number>;
}

/**
 * The step between two scrapes of each instance of a service (pairs: [before, after] per instance; an
 * instance scraped only once adds nothing). Deltas are summed over instances before the quantiles, as
 * `histogram_quantile(q, sum by (le) (rate(...)))` does.
 */
export function stepOf(pairs: ReadonlyArray<readonly [Snapshot, Snapshot]>): StepPoint | null {
  if (pairs.length === 0) return null;
  const buckets = new Map<number, number>();
  const orders: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let seconds = 0;
  let t = 0;
  for (const [before, after] of pairs) {
    const elapsed = (after.at - before.at) / 1000;
    if (elapsed <= 0) continue;
    seconds = Math.max(seconds, elapsed);
    t = Math.max(t, after.at);
    for (const [le, count] of after.buckets)
      buckets.set(le, (buckets.get(le) ?? 0) + counterDelta(before.buckets.get(le) ?? 0, count));
    requests += counterDelta(before.requests, after.requests);
    errors += counterDelta(before.errors, after.errors);
    for (const [key, count] of after.orders) {
      const grew = counterDelta(before.orders.get(key) ?? 0, count);
      if (grew > 0) orders[key] = (orders[key] ?? 0) + grew;
    }
  }
  if (seconds === 0) return null;
  const ms = (value: number | null) => (value === null ? null : Math.round(value * 100_000) / 100);
  return {
    t,
    rate: requests / seconds,
    errorShare: requests > 0 ? Math.min(1, errors / requests) : null,
    p50: requests > 0 ? ms(histogramQuantile(0.5, buckets)) : null,
    p99: requests > 0 ? ms(histogramQuantile(0.99, buckets)) : null,
    orders,
  };
}

/** A fixed-length history: the newest `capacity` points (5 minutes of 2 s steps = 150). */
export class Series<T> {
  private readonly points: T[] = [];
  constructor(readonly capacity: number) {}

  push(point: T): void {
    this.points.push(point);
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
  }

  all(): T[] {
    return [...this.points];
  }
}
