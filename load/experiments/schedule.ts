import { describeFault, forPhase, type Experiment, type Fault, type JudgedPhase, type Phase } from './model';

/** A fault at an absolute time of the run, and when it is reverted (at the latest when `during` ends). */
export interface ScheduledStep {
  index: number;
  name: string;
  fault: Fault;
  atMs: number;
  revertAtMs: number;
}

/**
 * The run's timeline, in ms since the start of the load:
 *   before [0, during) · during [during, recovery) · rollbacks · recovery [recovery, after) · after [after, end)
 */
export interface Schedule {
  starts: Record<Phase, number>;
  endMs: number;
  steps: ScheduledStep[];
  /** Times (during the `during` phase) at which point-in-time probes run. */
  probeTimesMs: number[];
}

const MIN_PHASE_MS = 1000;

/**
 * Scales the phases and the step times by `durationScale` (a shortened run keeps the same shape). The recovery
 * grace and `minDuringS` are wall-clock (breakers re-close and timeouts expire in real seconds): not scaled; the
 * steps stretch with a `during` phase held at its minimum.
 */
export function buildSchedule(experiment: Experiment, durationScale = 1): Schedule {
  if (!(durationScale > 0)) throw new Error(`duration scale must be > 0 (got ${durationScale})`);
  const scaled = (seconds: number) => Math.max(MIN_PHASE_MS, Math.round(seconds * 1000 * durationScale));
  const before = scaled(experiment.phases.before);
  // Some faults need real seconds to show (a retry budget of 3 × 2 s): the method never shrinks below that.
  const during = Math.max(
    scaled(experiment.phases.during),
    Math.round((experiment.phases.minDuringS ?? 0) * 1000),
  );
  const stepScale = during / (experiment.phases.during * 1000);
  const grace = Math.round((experiment.phases.recoveryGraceS ?? 0) * 1000);
  const after = scaled(experiment.phases.after);
  const starts: Record<Phase, number> = {
    before: 0,
    during: before,
    recovery: before + during,
    after: before + during + grace,
  };
  const duringEnd = starts.recovery;
  const steps = experiment.method.map((step, index): ScheduledStep => {
    if (step.at > experiment.phases.during) {
      throw new Error(`method[${index}] at ${step.at}s is after the end of the during phase`);
    }
    const atMs = Math.min(duringEnd, starts.during + Math.round(step.at * 1000 * stepScale));
    const revertAtMs =
      step.duration === undefined
        ? duringEnd
        : Math.min(duringEnd, atMs + Math.max(1, Math.round(step.duration * 1000 * stepScale)));
    return { index, name: step.name ?? describeFault(step.fault), fault: step.fault, atMs, revertAtMs };
  });
  const interval = Math.max(500, Math.round((experiment.probeIntervalS ?? 2) * 1000));
  const probeTimesMs: number[] = [];
  for (let t = starts.during + interval; t < duringEnd - interval / 2; t += interval) probeTimesMs.push(t);
  probeTimesMs.push(duringEnd); // always once with every fault still in place
  return { starts, endMs: starts.after + after, steps, probeTimesMs };
}

/** The phase a moment belongs to. */
export function phaseAt(schedule: Schedule, tMs: number): Phase {
  if (tMs >= schedule.starts.after) return 'after';
  if (tMs >= schedule.starts.recovery) return 'recovery';
  if (tMs >= schedule.starts.during) return 'during';
  return 'before';
}

/** Arrival rate of a stream in a phase (recovery uses the after rate), scaled. */
export function rateIn(
  rate: Experiment['load']['streams'][number]['rate'],
  phase: Phase,
  rateScale = 1,
): number {
  const judged: JudgedPhase = phase === 'recovery' ? 'after' : phase;
  return (forPhase(rate, judged) ?? 0) * rateScale;
}

/** [start, end) of a judged phase's evaluation window (after = past the recovery grace). */
export function windowOf(schedule: Schedule, phase: JudgedPhase): [number, number] {
  switch (phase) {
    case 'before':
      return [0, schedule.starts.during];
    case 'during':
      return [schedule.starts.during, schedule.starts.recovery];
    case 'after':
      return [schedule.starts.after, schedule.endMs];
  }
}

/**
 * Whether a sample is judged in a phase: it started in the phase's window; for `before` it must also have
 * finished before the method began (a request the first fault caught mid-way says nothing about the steady state).
 */
export function judgedIn(
  schedule: Schedule,
  phase: JudgedPhase,
  sample: { t: number; latencyMs: number },
): boolean {
  const [from, to] = windowOf(schedule, phase);
  if (sample.t < from || sample.t >= to) return false;
  return phase !== 'before' || sample.t + sample.latencyMs <= to;
}
