/** Pure statistics over samples: percentiles, per-window summaries and per-second series. */

/** One HTTP call made by the load (or an arrival dropped because too many were in flight). */
export interface Sample {
  /** Start, in ms since the run started. */
  t: number;
  phase: string;
  stream: string;
  /** e.g. "POST /orders"; the stream's first operation for a dropped arrival. */
  op: string;
  /** HTTP status; 0 when there was no answer (network error, client timeout, dropped). */
  status: number;
  latencyMs: number;
  /** The error body's `code`, or TIMEOUT / NETWORK / DROPPED; empty for 2xx. */
  code: string;
  /** Order outcome (CONFIRMED, PAYMENT_FAILED…), X-Cache (HIT/MISS), or empty. */
  outcome: string;
}

export const DROPPED = 'DROPPED';

/**
 * Percentile by linear interpolation between closest ranks (the "R-7" / NumPy default), on a sorted array.
 * p in [0, 100]. NaN for an empty array.
 */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0];
  if (p >= 100) return sorted[sorted.length - 1];
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

/** An answer that counts as an error: no answer at all (network, timeout, dropped) or a 5xx. */
export function isError(sample: Pick<Sample, 'status'>): boolean {
  return sample.status === 0 || sample.status >= 500;
}

/** Answered at all (the latency of a dropped arrival or a network error is not a service latency). */
export function isAnswered(sample: Pick<Sample, 'status'>): boolean {
  return sample.status > 0;
}

export interface WindowStats {
  count: number;
  answered: number;
  dropped: number;
  errors: number;
  errorRate: number;
  /** Started per second over the window. */
  rate: number;
  latency: { p50: number; p90: number; p95: number; p99: number; max: number; mean: number };
  statuses: Record<string, number>;
  codes: Record<string, number>;
  outcomes: Record<string, number>;
}

const round = (value: number, digits = 1) =>
  Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : value;

/** Summary of the samples of one window (latencies over answered calls only). */
export function summarize(samples: readonly Sample[], windowMs: number): WindowStats {
  const latencies = samples
    .filter(isAnswered)
    .map((s) => s.latencyMs)
    .sort((a, b) => a - b);
  const count = (key: (s: Sample) => string) => {
    const counts: Record<string, number> = {};
    for (const sample of samples) {
      const value = key(sample);
      if (value) counts[value] = (counts[value] ?? 0) + 1;
    }
    return counts;
  };
  const errors = samples.filter(isError).length;
  return {
    count: samples.length,
    answered: latencies.length,
    dropped: samples.filter((s) => s.code === DROPPED).length,
    errors,
    errorRate: samples.length ? errors / samples.length : 0,
    rate: windowMs > 0 ? round((samples.length * 1000) / windowMs, 2) : 0,
    latency: {
      p50: round(percentileSorted(latencies, 50)),
      p90: round(percentileSorted(latencies, 90)),
      p95: round(percentileSorted(latencies, 95)),
      p99: round(percentileSorted(latencies, 99)),
      max: round(latencies.length ? latencies[latencies.length - 1] : Number.NaN),
      mean: round(latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : Number.NaN),
    },
    statuses: count((s) => String(s.status)),
    codes: count((s) => s.code),
    outcomes: count((s) => s.outcome),
  };
}

export interface SecondBucket {
  /** Second since the run started (bucket [second, second + 1)). */
  second: number;
  started: number;
  ok: number;
  errors: number;
  dropped: number;
  p50: number;
  p90: number;
  p99: number;
  /** Non-2xx answers by "status code" label, e.g. "504 DEPENDENCY_TIMEOUT". */
  failures: Record<string, number>;
  outcomes: Record<string, number>;
}

/** Per-second series by start time (so a slow answer is drawn where the fault hit it). */
export function perSecond(samples: readonly Sample[], totalSeconds: number): SecondBucket[] {
  const seconds = Math.max(1, Math.ceil(totalSeconds));
  const groups: Sample[][] = Array.from({ length: seconds }, () => []);
  for (const sample of samples) {
    const second = Math.min(seconds - 1, Math.max(0, Math.floor(sample.t / 1000)));
    groups[second].push(sample);
  }
  return groups.map((group, second) => {
    const latencies = group
      .filter(isAnswered)
      .map((s) => s.latencyMs)
      .sort((a, b) => a - b);
    const failures: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    for (const sample of group) {
      if (sample.status < 200 || sample.status >= 300) {
        const label = failureLabel(sample);
        failures[label] = (failures[label] ?? 0) + 1;
      }
      if (sample.outcome) outcomes[sample.outcome] = (outcomes[sample.outcome] ?? 0) + 1;
    }
    return {
      second,
      started: group.length,
      ok: group.filter((s) => !isError(s)).length,
      errors: group.filter((s) => isError(s) && s.code !== DROPPED).length,
      dropped: group.filter((s) => s.code === DROPPED).length,
      p50: round(percentileSorted(latencies, 50)),
      p90: round(percentileSorted(latencies, 90)),
      p99: round(percentileSorted(latencies, 99)),
      failures,
      outcomes,
    };
  });
}

export function failureLabel(sample: Pick<Sample, 'status' | 'code'>): string {
  if (sample.status === 0) return sample.code || 'NO_ANSWER';
  return sample.code ? `${sample.status} ${sample.code}` : String(sample.status);
}

/**
 * The allowance of an expected share: `sigmas` binomial standard deviations for n samples, never below `floor`
 * (a 30% payment failure over 80 orders is 30% ± 5% one sigma; a 0% share has no spread at all).
 */
export function shareAllowance(share: number, n: number, sigmas = 4, floor = 0.02): number {
  if (n <= 0) return floor;
  return Math.max(floor, sigmas * Math.sqrt((share * (1 - share)) / n));
}
