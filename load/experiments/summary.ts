/**
 * What a run produces: the summary written to summary.json and read by the report, and the run's result. Types
 * only, so the runner, the report and the tests share them without importing each other.
 */
import type { Link } from './grafana';
import type { InstantCheck, ProbeResult, Verdict } from './hypothesis';
import type { Fault, JudgedPhase, Phase } from './model';
import type { Sample, WindowStats } from './stats';

export interface TimelineEvent {
  tMs: number;
  kind: 'phase' | 'fault' | 'revert' | 'rollback' | 'info';
  name: string;
  ok: boolean;
  detail?: string;
  durationMs?: number;
}

export interface FaultBand {
  name: string;
  kind: Fault['kind'];
  startMs: number;
  endMs: number | null;
  ok: boolean;
}

export type PhaseSummary = {
  window: [number, number];
  overall: WindowStats;
  ops: Record<string, WindowStats>;
};

export interface Summary {
  experiment: {
    name: string;
    title: string;
    description?: string;
    specScenario?: number;
    hypothesis: string;
  };
  verdict: Verdict;
  run: {
    startedAt: string;
    endedAt: string;
    /** Epoch ms of t = 0 (the first arrival). */
    epochMs: number;
    durationScale: number;
    rateScale: number;
    target: string;
    stack: string | null;
    phases: Record<Phase, [number, number]>;
    streams: { name: string; work: string; rates: Record<JudgedPhase, number> }[];
    generator: { started: number; dropped: number; lagP99Ms: number; maxInFlight: number };
    stockReset: boolean;
  };
  probes: ProbeResult[];
  checks: InstantCheck[];
  phases: Partial<Record<Phase, PhaseSummary>>;
  timeline: TimelineEvent[];
  faults: FaultBand[];
  audit: unknown;
  grafana: { from: number; to: number; links: Link[] };
  files: Record<string, string>;
}

export interface RunResult {
  summary: Summary;
  samples: Sample[];
  dir: string;
  exitCode: 0 | 1;
}
