/**
 * The method's faults: injects each step on schedule (chaos knobs over HTTP, or stopping / killing processes of
 * the own stack), reverts it at its time, and rolls back everything still in place plus the declared rollbacks,
 * once, whatever happened. Each fault is a band on the report's charts and an entry on the timeline.
 */
import { performance } from 'node:perf_hooks';
import type { HttpClient } from './http';
import type { Experiment, Fault, Rollback } from './model';
import type { RunRecorder } from './recorder';
import type { Schedule, ScheduledStep } from './schedule';
import type { Stack } from './stack';
import type { FaultBand } from './summary';
import type { Api, Target } from './target';

export interface FaultControllerOptions {
  experiment: Experiment;
  schedule: Schedule;
  target: Target;
  api: Api;
  /** The client for chaos calls: never counted as load. */
  control: HttpClient;
  stack?: Stack;
  recorder: RunRecorder;
}

export class FaultController {
  readonly bands: FaultBand[] = [];
  private readonly active = new Map<
    number,
    { step: ScheduledStep; band: FaultBand; applied: Promise<boolean> }
  >();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private rolledBack: Promise<void> | null = null;
  private readonly chaosHeaders: Record<string, string> | undefined;

  constructor(private readonly options: FaultControllerOptions) {
    this.chaosHeaders = options.target.chaosKey ? { 'x-chaos-key': options.target.chaosKey } : undefined;
  }

  /** Names of the faults in place now (for the progress line). */
  activeNames(): string[] {
    return [...this.active.values()].filter((a) => a.band.ok).map((a) => a.step.name);
  }

  /** Schedules the method's steps (inject, and revert when it comes before the recovery phase). */
  scheduleSteps(): void {
    const { schedule } = this.options;
    for (const step of schedule.steps) {
      this.at(step.atMs, () => this.inject(step));
      if (step.revertAtMs < schedule.starts.recovery) {
        this.at(step.revertAtMs, async () => {
          await this.active.get(step.index)?.applied;
          await this.revert(step.index, 'revert');
        });
      }
    }
  }

  /** Runs `action` at run time `tMs`; rollbackAll cancels what has not started. */
  at(tMs: number, action: () => Promise<unknown>): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.track(action());
      },
      Math.max(0, tMs - this.options.recorder.now()),
    );
    this.timers.add(timer);
  }

  /** Waits for every scheduled action already started. */
  async settle(): Promise<void> {
    for (const promise of [...this.pending]) await promise;
  }

  /** Undoes every fault still in place, then the declared rollbacks. Runs once, whatever happened. */
  rollbackAll(): Promise<void> {
    return (this.rolledBack ??= (async () => {
      const { recorder } = this.options;
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      for (const index of [...this.active.keys()].reverse()) await this.revert(index, 'rollback');
      for (const rollback of this.options.experiment.rollbacks ?? []) {
        const name =
          rollback.kind === 'chaos-reset' ? `reset chaos on ${rollback.service}` : `start ${rollback.target}`;
        try {
          await this.runRollback(rollback);
          recorder.note({ kind: 'rollback', name, ok: true });
        } catch (error) {
          recorder.errors.push(`rollback "${name}" failed: ${(error as Error).message}`);
          recorder.note({ kind: 'rollback', name, ok: false, detail: (error as Error).message });
        }
      }
    })());
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
    return promise;
  }

  private inject(step: ScheduledStep): Promise<boolean> {
    const { recorder } = this.options;
    const band: FaultBand = {
      name: step.name,
      kind: step.fault.kind,
      startMs: recorder.now(),
      endMs: null,
      ok: true,
    };
    this.bands.push(band);
    const started = performance.now();
    const applied = this.applyFault(step.fault).then(
      () => {
        recorder.note({
          kind: 'fault',
          name: step.name,
          ok: true,
          durationMs: Math.round(performance.now() - started),
        });
        return true;
      },
      (error: Error) => {
        band.ok = false;
        band.endMs = recorder.now();
        recorder.errors.push(`fault "${step.name}" could not be injected: ${error.message}`);
        recorder.note({ kind: 'fault', name: step.name, ok: false, detail: error.message });
        return false;
      },
    );
    this.active.set(step.index, { step, band, applied });
    return applied;
  }

  private async revert(index: number, kind: 'revert' | 'rollback'): Promise<void> {
    const { recorder } = this.options;
    const entry = this.active.get(index);
    if (!entry) return;
    this.active.delete(index);
    if (!(await entry.applied)) return;
    const started = performance.now();
    try {
      await this.revertFault(entry.step.fault);
      entry.band.endMs = recorder.now();
      recorder.note({
        kind,
        name: `undo ${entry.step.name}`,
        ok: true,
        durationMs: Math.round(performance.now() - started),
      });
    } catch (error) {
      entry.band.endMs = recorder.now();
      recorder.errors.push(`rollback of "${entry.step.name}" failed: ${(error as Error).message}`);
      recorder.note({ kind, name: `undo ${entry.step.name}`, ok: false, detail: (error as Error).message });
    }
  }

  private needStack(what: string): Stack {
    if (!this.options.stack) throw new Error(`${what} needs an own stack (--start-stack)`);
    return this.options.stack;
  }

  private async applyFault(fault: Fault): Promise<void> {
    const { api, control, schedule, recorder } = this.options;
    if (fault.kind === 'chaos') {
      // A TTL as a safety net: if this process dies before its rollback, the fault still switches itself off.
      const ttl = Math.ceil((schedule.starts.recovery - recorder.now()) / 1000) + 60;
      const body: Record<string, unknown> = {
        ...fault.body,
        ...(fault.instance ? { instance: fault.instance } : {}),
      };
      if (body.ttl_s === undefined) body.ttl_s = ttl;
      const answer = await control.send({
        url: `${api.chaos(fault.service)}/${fault.knob}`,
        body,
        headers: this.chaosHeaders,
      });
      if (answer.status !== 200)
        throw new Error(
          `POST /chaos/${fault.knob} → ${answer.status || answer.error} ${JSON.stringify(answer.body)}`,
        );
    } else if (fault.kind === 'kill') {
      await this.needStack(`kill ${fault.target}`).kill(fault.target);
    } else {
      await this.needStack(`stop ${fault.target}`).stop(fault.target);
    }
  }

  private async revertFault(fault: Fault): Promise<void> {
    const { api, control } = this.options;
    if (fault.kind === 'chaos') {
      const query = fault.instance ? `?instance=${encodeURIComponent(fault.instance)}` : '';
      const answer = await control.send({
        method: 'DELETE',
        url: `${api.chaos(fault.service)}/${encodeURIComponent(fault.knob)}${query}`,
        headers: this.chaosHeaders,
      });
      if (answer.status !== 200)
        throw new Error(`DELETE /chaos/${fault.knob} → ${answer.status || answer.error}`);
    } else {
      await this.needStack(`start ${fault.target}`).start(fault.target);
    }
  }

  private async runRollback(rollback: Rollback): Promise<void> {
    const { api, control } = this.options;
    if (rollback.kind === 'chaos-reset') {
      const answer = await control.send({
        method: 'DELETE',
        url: api.chaos(rollback.service),
        headers: this.chaosHeaders,
      });
      if (answer.status !== 200) throw new Error(`DELETE /chaos → ${answer.status || answer.error}`);
    } else {
      await this.needStack(`start ${rollback.target}`).start(rollback.target);
    }
  }
}
