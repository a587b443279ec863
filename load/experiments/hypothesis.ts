/** Pure evaluation of the steady-state hypothesis: probes against the samples of a window, and the verdict. */
import {
  forPhase,
  INSTANT_PROBES,
  JUDGED_PHASES,
  type ExpectedShare,
  type JudgedPhase,
  type Probe,
  type SampleFilter,
} from './model';
import { isAnswered, isError, percentileSorted, shareAllowance, DROPPED, type Sample } from './stats';

export type ProbeStatus = 'passed' | 'failed' | 'skipped';

/** One run of a point-in-time probe (audit, readiness…). */
export interface InstantCheck {
  probe: string;
  phase: JudgedPhase;
  tMs: number;
  ok: boolean;
  detail: string;
}

export interface ProbeResult {
  probe: string;
  type: Probe['type'];
  phase: JudgedPhase;
  status: ProbeStatus;
  /** What was observed, readable ("p99 412 ms", "30.4% of 112"). */
  observed: string;
  /** What was allowed ("≤ 500 ms", "30% ± 17.3%"). */
  tolerance: string;
  value?: number;
  samples?: number;
  detail?: string;
}

export interface EvaluationOptions {
  /** False when stock could not be reset (no admin key): probes with needsStockReset are skipped. */
  stockReset?: boolean;
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

export function matches(sample: Sample, filter: SampleFilter): boolean {
  return (
    (filter.op === undefined || sample.op === filter.op) &&
    (filter.stream === undefined || sample.stream === filter.stream) &&
    (filter.outcome === undefined || sample.outcome === filter.outcome)
  );
}

/** The phases a probe judges: for statistical probes those its tolerances name, for instant ones a default. */
export function phasesOf(probe: Probe): JudgedPhase[] {
  switch (probe.type) {
    case 'latency':
      return JUDGED_PHASES.filter(
        (p) => forPhase(probe.maxMs, p) !== undefined || forPhase(probe.minMs, p) !== undefined,
      );
    case 'error-rate':
      return JUDGED_PHASES.filter((p) => forPhase(probe.max, p) !== undefined);
    case 'status-share':
    case 'outcome-share':
      return JUDGED_PHASES.filter(
        (p) =>
          forPhase(probe.min, p) !== undefined ||
          forPhase(probe.max, p) !== undefined ||
          forPhase(probe.expect, p) !== undefined,
      );
    case 'throughput':
      return JUDGED_PHASES.filter((p) => forPhase(probe.minShare, p) !== undefined);
    case 'audit':
      // The order audit is only meaningful once traffic stopped and every order settled.
      return probe.phases ?? (probe.scope === 'orders' ? ['before', 'after'] : ['before', 'during', 'after']);
    case 'stock-restored':
      return ['after'];
    case 'http':
      return probe.phases ?? ['before', 'during', 'after'];
  }
}

export function isInstant(probe: Probe): boolean {
  return INSTANT_PROBES.includes(probe.type);
}

/** Judges a statistical probe on the samples of one phase's window. */
export function evaluateProbe(
  probe: Probe,
  phase: JudgedPhase,
  windowSamples: readonly Sample[],
  options: EvaluationOptions = {},
): ProbeResult {
  const base = { probe: probe.name, type: probe.type, phase };
  if (probe.needsStockReset && options.stockReset === false) {
    return {
      ...base,
      status: 'skipped',
      observed: '–',
      tolerance: '–',
      detail: 'stock was not reset (no admin key)',
    };
  }
  if (isInstant(probe)) throw new Error(`${probe.name} is a point-in-time probe: use evaluateInstant`);
  const samples = windowSamples.filter((s) => matches(s, probe as SampleFilter));
  const n = samples.length;
  const noSamples = (tolerance: string): ProbeResult => ({
    ...base,
    status: 'failed',
    observed: 'no samples',
    tolerance,
    samples: 0,
    detail: 'nothing matched this probe in the window',
  });

  switch (probe.type) {
    case 'latency': {
      const max = forPhase(probe.maxMs, phase);
      const min = forPhase(probe.minMs, phase);
      const tolerance = [min !== undefined ? `≥ ${ms(min)}` : '', max !== undefined ? `≤ ${ms(max)}` : '']
        .filter(Boolean)
        .join(' and ');
      const latencies = samples
        .filter(isAnswered)
        .map((s) => s.latencyMs)
        .sort((a, b) => a - b);
      if (latencies.length === 0) return noSamples(tolerance);
      const value = percentileSorted(latencies, probe.percentile);
      const ok = (max === undefined || value <= max) && (min === undefined || value >= min);
      return {
        ...base,
        status: ok ? 'passed' : 'failed',
        observed: `p${probe.percentile} ${ms(value)}`,
        tolerance,
        value,
        samples: latencies.length,
      };
    }
    case 'error-rate': {
      const max = forPhase(probe.max, phase) as number;
      const tolerance = `≤ ${pct(max)}`;
      if (n === 0) return noSamples(tolerance);
      const errors = samples.filter(isError);
      const value = errors.length / n;
      const byCode = countBy(errors, (s) =>
        s.status ? `${s.status} ${s.code}`.trim() : s.code || 'NO_ANSWER',
      );
      return {
        ...base,
        status: value <= max ? 'passed' : 'failed',
        observed: `${pct(value)} of ${n}`,
        tolerance,
        value,
        samples: n,
        detail: errors.length ? describeCounts(byCode) : undefined,
      };
    }
    case 'status-share':
    case 'outcome-share': {
      const wanted =
        probe.type === 'status-share'
          ? (s: Sample) => probe.statuses.includes(s.status)
          : (s: Sample) => probe.outcomes.includes(s.outcome);
      const label = probe.type === 'status-share' ? probe.statuses.join('/') : probe.outcomes.join('/');
      const min = forPhase(probe.min, phase);
      const max = forPhase(probe.max, phase);
      const expected = forPhase(probe.expect, phase);
      const share = (hits: number) => (n ? hits / n : 0);
      const value = share(samples.filter(wanted).length);
      const { ok, tolerance } = judgeShare(value, n, { min, max, expected });
      if (n === 0) return noSamples(tolerance);
      const others = countBy(
        samples.filter((s) => !wanted(s)),
        (s) =>
          probe.type === 'status-share' ? `${s.status || s.code}` : s.outcome || s.code || String(s.status),
      );
      return {
        ...base,
        status: ok ? 'passed' : 'failed',
        observed: `${label}: ${pct(value)} of ${n}`,
        tolerance,
        value,
        samples: n,
        detail: Object.keys(others).length ? `others: ${describeCounts(others)}` : undefined,
      };
    }
    case 'throughput': {
      const min = forPhase(probe.minShare, phase) as number;
      const tolerance = `≥ ${pct(min)} answered`;
      if (n === 0) return noSamples(tolerance);
      const answered = samples.filter((s) => s.status > 0).length;
      const dropped = samples.filter((s) => s.code === DROPPED).length;
      const value = answered / n;
      return {
        ...base,
        status: value >= min ? 'passed' : 'failed',
        observed: `${pct(value)} of ${n} answered`,
        tolerance,
        value,
        samples: n,
        detail: dropped ? `${dropped} dropped (too many in flight)` : undefined,
      };
    }
  }
  throw new Error('unreachable');
}

function judgeShare(
  value: number,
  n: number,
  bounds: { min?: number; max?: number; expected?: ExpectedShare },
): { ok: boolean; tolerance: string } {
  const parts: string[] = [];
  let ok = true;
  if (bounds.min !== undefined) {
    parts.push(`≥ ${pct(bounds.min)}`);
    ok &&= value >= bounds.min;
  }
  if (bounds.max !== undefined) {
    parts.push(`≤ ${pct(bounds.max)}`);
    ok &&= value <= bounds.max;
  }
  if (bounds.expected !== undefined) {
    const { share, sigmas = 4, floor = 0.02 } = bounds.expected;
    const allowance = shareAllowance(share, n, sigmas, floor);
    parts.push(`${pct(share)} ± ${pct(allowance)}`);
    ok &&= Math.abs(value - share) <= allowance + 1e-12;
  }
  return { ok, tolerance: parts.join(' and ') };
}

/** Judges a point-in-time probe from its checks in a phase: every check must pass, and there must be one. */
export function evaluateInstant(
  probe: Probe,
  phase: JudgedPhase,
  checks: readonly InstantCheck[],
  options: EvaluationOptions & { phaseSkipped?: boolean } = {},
): ProbeResult {
  const base = { probe: probe.name, type: probe.type, phase };
  const tolerance =
    probe.type === 'audit'
      ? probe.scope === 'orders'
        ? 'ok and settled'
        : 'ok'
      : probe.type === 'http'
        ? `status ${probe.expectStatus}`
        : 'stock as before the run';
  if (options.phaseSkipped)
    return { ...base, status: 'skipped', observed: '–', tolerance, detail: 'phase not run' };
  if (probe.needsStockReset && options.stockReset === false) {
    return {
      ...base,
      status: 'skipped',
      observed: '–',
      tolerance,
      detail: 'stock was not reset (no admin key)',
    };
  }
  const mine = checks.filter((check) => check.probe === probe.name && check.phase === phase);
  if (mine.length === 0) return { ...base, status: 'failed', observed: 'not run', tolerance };
  const failed = mine.filter((check) => !check.ok);
  return {
    ...base,
    status: failed.length ? 'failed' : 'passed',
    observed: failed.length
      ? `${failed.length} of ${mine.length} checks failed`
      : `${mine.length} of ${mine.length} ok`,
    tolerance,
    samples: mine.length,
    detail: (failed[0] ?? mine[mine.length - 1]).detail,
  };
}

export type PhaseVerdict = 'held' | 'violated' | 'skipped';

export interface Verdict {
  passed: boolean;
  status: 'passed' | 'failed' | 'aborted' | 'error';
  phases: Record<JudgedPhase, PhaseVerdict>;
  reasons: string[];
}

/**
 * The experiment passes when the hypothesis held in every phase, nothing went wrong running it (a fault that
 * could not be injected proves nothing), the rollbacks worked, and nobody interrupted it.
 */
export function verdictOf(
  results: readonly ProbeResult[],
  run: { aborted?: boolean; errors?: readonly string[]; skipped?: readonly JudgedPhase[] } = {},
): Verdict {
  const phases = {} as Record<JudgedPhase, PhaseVerdict>;
  const reasons: string[] = [];
  for (const phase of JUDGED_PHASES) {
    const mine = results.filter((r) => r.phase === phase);
    if (run.skipped?.includes(phase)) phases[phase] = 'skipped';
    else phases[phase] = mine.some((r) => r.status === 'failed') ? 'violated' : 'held';
    for (const failed of mine.filter((r) => r.status === 'failed')) {
      reasons.push(`${phase}: ${failed.probe}: ${failed.observed} (allowed ${failed.tolerance || '–'})`);
    }
  }
  for (const error of run.errors ?? []) reasons.push(error);
  if (run.aborted) reasons.push('interrupted');
  const held = JUDGED_PHASES.every((phase) => phases[phase] === 'held');
  const status = run.aborted ? 'aborted' : run.errors?.length ? 'error' : held ? 'passed' : 'failed';
  return { passed: status === 'passed', status, phases, reasons };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([key, count]) => `${key} ×${count}`)
    .join(', ');
}
