/**
 * The run's record: the clock (t = 0 at the first arrival), every sample (kept, and streamed to samples.csv),
 * the timeline of phases, faults and rollbacks, the errors that fail the run, and the last second's answers for
 * the progress line.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DROPPED, isError, type Sample } from './stats';
import type { TimelineEvent } from './summary';

const CSV_HEADER = 'time,t_ms,phase,stream,operation,status,latency_ms,error_code,outcome\n';
const csvField = (value: string | number) => {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export class RunRecorder {
  readonly samples: Sample[] = [];
  readonly timeline: TimelineEvent[] = [];
  /** What went wrong outside the hypothesis (a fault not injected, a rollback failed): each fails the run. */
  readonly errors: string[] = [];
  private readonly recent: { end: number; latency: number; error: boolean }[] = [];
  private readonly csv: WriteStream;
  private t0 = performance.now();
  private started = false;
  /** Epoch ms of t = 0. */
  epochMs = Date.now();

  constructor(
    dir: string,
    private readonly log: (line: string) => void,
  ) {
    this.csv = createWriteStream(join(dir, 'samples.csv'));
    this.csv.write(CSV_HEADER);
  }

  /** Whether the load started (t = 0 is set). */
  get loadStarted(): boolean {
    return this.started;
  }

  /** Milliseconds since the first arrival; 0 before the load starts. */
  now(): number {
    return this.started ? performance.now() - this.t0 : 0;
  }

  /** t = 0: the load starts now. */
  startClock(): void {
    this.t0 = performance.now();
    this.epochMs = Date.now();
    this.started = true;
  }

  note(event: Omit<TimelineEvent, 'tMs'> & { tMs?: number }): void {
    const entry: TimelineEvent = { ...event, tMs: Math.round(event.tMs ?? this.now()) };
    this.timeline.push(entry);
    const mark = entry.ok ? '' : ' ✗';
    this.log(
      `  · ${(entry.tMs / 1000).toFixed(1)}s ${entry.kind} ${entry.name}${mark}${entry.detail ? ` — ${entry.detail}` : ''}`,
    );
  }

  record(sample: Sample): void {
    this.samples.push(sample);
    this.csv.write(
      [
        new Date(this.epochMs + sample.t).toISOString(),
        Math.round(sample.t),
        sample.phase,
        sample.stream,
        sample.op,
        sample.status,
        sample.latencyMs.toFixed(2),
        sample.code,
        sample.outcome,
      ]
        .map(csvField)
        .join(',') + '\n',
    );
    if (sample.code !== DROPPED)
      this.recent.push({ end: this.now(), latency: sample.latencyMs, error: isError(sample) });
  }

  /** The answers that arrived during the last second (for the progress line). */
  lastSecond(): { latencies: number[]; errors: number; answers: number } {
    const t = this.now();
    while (this.recent.length && this.recent[0].end < t - 1000) this.recent.shift();
    return {
      latencies: this.recent.map((r) => r.latency),
      errors: this.recent.filter((r) => r.error).length,
      answers: this.recent.length,
    };
  }

  /** Flushes samples.csv. */
  close(): Promise<void> {
    return new Promise<void>((done) => this.csv.end(done));
  }
}
