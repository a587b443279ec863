/**
 * Runs one experiment against a target: setup → steady state before → method (load + faults on schedule) →
 * rollbacks (always: at the end of the method, on a failure and on Ctrl-C) → recovery → steady state after →
 * verdict, samples, summary and report under results/<name>-<timestamp>/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FaultController } from './fault-controller';
import { grafanaConfigFromEnv, grafanaLinks, type GrafanaConfig } from './grafana';
import { bodyCode, HttpClient } from './http';
import { Judge } from './judge';
import { LoadGenerator, sleep } from './load';
import { needsOwnStack, validateExperiment, type Experiment, type JudgedPhase, type Phase } from './model';
import { RunRecorder } from './recorder';
import { renderReport } from './report';
import { buildSchedule, phaseAt, rateIn, type Schedule } from './schedule';
import type { Stack } from './stack';
import { DROPPED, isError, percentile } from './stats';
import type { RunResult, Summary } from './summary';
import { apiOf, describeTarget, type Target } from './target';
import { createSessions, createWork, type Call, type Work, type WorkEnv } from './workloads';

const ROOT = resolve(__dirname, '..', '..');

export interface RunOptions {
  target: Target;
  /** The own stack, when there is one: process faults act on it. */
  stack?: Stack;
  durationScale?: number;
  rateScale?: number;
  /** Where results/<name>-<timestamp>/ goes (default: the repository's results/). */
  resultsDir?: string;
  /** Progress and messages (default: stdout). */
  log?: (line: string) => void;
  /** Aborting (Ctrl-C) stops the load, runs the rollbacks and writes what was measured. */
  signal?: AbortSignal;
  grafana?: GrafanaConfig;
}

function resultsDirFor(root: string, name: string, date: Date): string {
  mkdirSync(root, { recursive: true });
  const stamp = date
    .toISOString()
    .replace(/[:]/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  for (let attempt = 1; ; attempt += 1) {
    const dir = join(root, `${name}-${stamp}${attempt > 1 ? `-${attempt}` : ''}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * The orchestration: setup, then the phases on the clock. The recorder keeps the samples and the timeline, the
 * fault controller injects and rolls back the method's faults, the judge runs the checks and gives the verdict.
 */
export async function runExperiment(experiment: Experiment, options: RunOptions): Promise<RunResult> {
  const problems = validateExperiment(experiment);
  if (problems.length)
    throw new Error(`invalid experiment ${experiment.name}:\n  - ${problems.join('\n  - ')}`);
  if (needsOwnStack(experiment) && !options.stack) {
    throw new Error(`${experiment.name} stops or kills processes: run it with --start-stack`);
  }
  const durationScale = options.durationScale ?? 1;
  const rateScale = options.rateScale ?? 1;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const schedule = buildSchedule(experiment, durationScale);
  const target = options.target;
  const api = apiOf(target);
  const timeoutMs = experiment.load.timeoutMs ?? 15_000;
  const maxInFlight = experiment.load.maxInFlight ?? 256;
  const http = new HttpClient(timeoutMs);
  const control = new HttpClient(30_000); // chaos, audits, admin: never counted as load
  const signal = options.signal;
  const grafana = options.grafana ?? grafanaConfigFromEnv();

  const dir = resultsDirFor(options.resultsDir ?? join(ROOT, 'results'), experiment.name, new Date());
  const recorder = new RunRecorder(dir, log);
  const now = () => recorder.now();
  const note = (event: Parameters<RunRecorder['note']>[0]) => recorder.note(event);
  const faults = new FaultController({
    experiment,
    schedule,
    target,
    api,
    control,
    stack: options.stack,
    recorder,
  });
  const judge = new Judge({ experiment, schedule, target, api, control, recorder, signal, log });

  // ---- workloads ----------------------------------------------------------------------------------
  const works = new Map<string, Work>(
    experiment.load.streams.map((stream) => [stream.name, createWork(stream.work)]),
  );
  let env: WorkEnv = { api, sessions: [] };
  const generator = new LoadGenerator(
    now,
    {
      run: async (stream) => {
        const work = works.get(stream) as Work;
        const call: Call = async (op, request, outcome) => {
          const t = now();
          const answer = await http.send(request);
          recorder.record({
            t,
            phase: phaseAt(schedule, t),
            stream,
            op,
            status: answer.status,
            latencyMs: answer.latencyMs,
            code:
              answer.status === 0
                ? (answer.error ?? 'NETWORK')
                : answer.status >= 400
                  ? bodyCode(answer.body)
                  : '',
            outcome: outcome ? outcome(answer) : '',
          });
          return answer;
        };
        await work.run(call, env);
      },
      drop: (stream, scheduledAt) =>
        recorder.record({
          t: scheduledAt,
          phase: phaseAt(schedule, scheduledAt),
          stream,
          op: (works.get(stream) as Work).firstOp,
          status: 0,
          latencyMs: 0,
          code: DROPPED,
          outcome: '',
        }),
    },
    maxInFlight,
  );
  const setRates = (phase: Phase) => {
    for (const stream of experiment.load.streams)
      generator.setRate(stream.name, rateIn(stream.rate, phase, rateScale));
  };

  // ---- progress -------------------------------------------------------------------------------------
  let progressTimer: NodeJS.Timeout | null = null;
  const progress = () => {
    const t = now();
    const recent = recorder.lastSecond();
    const started = recorder.samples.length;
    const totalErrors = recorder.samples.filter(isError).length;
    const active = faults.activeNames();
    const phase = phaseAt(schedule, t);
    const rate = experiment.load.streams.reduce((sum, s) => sum + rateIn(s.rate, phase, rateScale), 0);
    const fmt = (v: number) => (Number.isFinite(v) ? `${Math.round(v)}` : '–');
    log(
      `[${(t / 1000).toFixed(0).padStart(4)}s ${phase.padEnd(8)}] ${rate} arrivals/s → ${recent.answers} answers/s` +
        ` · p50 ${fmt(percentile(recent.latencies, 50))} ms · p99 ${fmt(percentile(recent.latencies, 99))} ms` +
        ` · errors ${recent.errors}/s (${totalErrors} of ${started}) · in flight ${generator.inFlight}` +
        ` · dropped ${generator.dropped} · faults: ${active.length ? active.join('; ') : 'none'}`,
    );
  };

  // ---- the run --------------------------------------------------------------------------------------
  const skipped = new Set<JudgedPhase>();
  const completed = new Set<JudgedPhase>();
  let aborted = false;
  const waitUntil = async (tMs: number) => {
    await sleep(tMs - now(), signal);
    if (signal?.aborted) aborted = true;
    return !aborted;
  };
  const prefix = `[${experiment.name}]`;
  log(`${prefix} ${experiment.title}`);
  log(`${prefix} target: ${describeTarget(target)}${options.stack ? ` · ${options.stack.describe()}` : ''}`);
  log(
    `${prefix} phases: before ${schedule.starts.during / 1000}s · during ${(schedule.starts.recovery - schedule.starts.during) / 1000}s` +
      ` · recovery ${(schedule.starts.after - schedule.starts.recovery) / 1000}s · after ${(schedule.endMs - schedule.starts.after) / 1000}s` +
      ` · results in ${dir}`,
  );

  try {
    const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
    env = { api, sessions: await createSessions(control, api, experiment.setup?.users ?? 8, runId) };
    for (const reset of experiment.setup?.stock ?? []) {
      // Open from the machine running the restaurant; from elsewhere it needs the admin key.
      const answer = await control.send({
        url: api.stockReset,
        body: { stock: reset.stock, menu_ids: reset.menus },
        headers: target.adminKey ? { 'x-admin-key': target.adminKey } : undefined,
      });
      if (answer.status === 401 && !target.adminKey) {
        judge.stockReset = false;
        log(
          `${prefix} ! stock of menus ${reset.menus.join(', ')} not reset: the restaurant is not on this machine ` +
            'and no admin key was given (--admin-key or ADMIN_API_KEY)',
        );
        continue;
      }
      if (answer.status !== 200)
        throw new Error(`stock reset → ${answer.status || answer.error} ${JSON.stringify(answer.body)}`);
    }
    for (const work of works.values()) await work.prepare?.(env, control);
    // Not recorded: the first calls into a fresh process pay for JIT, connection pools and key fetches, which
    // would otherwise show up as the "before" latency.
    const warmUp: Call = (_op, request) => http.send(request);
    for (const stream of experiment.load.streams.filter((s) => rateIn(s.rate, 'before') > 0)) {
      const work = works.get(stream.name) as Work;
      for (let round = 0; round < 3; round += 1) {
        await Promise.all(Array.from({ length: 4 }, () => work.run(warmUp, env).catch(() => undefined)));
      }
    }
    await judge.snapshotStock();
    if (signal?.aborted) throw new Error('interrupted');
    await judge.runChecks('before'); // at rest, before any load: the audit needs quiet to mean something

    recorder.startClock();
    progressTimer = setInterval(progress, 1000);
    note({ kind: 'phase', name: 'before', ok: true });
    setRates('before');

    if (await waitUntil(schedule.starts.during)) {
      completed.add('before');
      if (!judge.steadyBefore()) {
        note({ kind: 'info', name: 'steady state not met before the method: method skipped', ok: false });
        skipped.add('during').add('after');
      } else {
        note({ kind: 'phase', name: 'during', ok: true });
        setRates('during');
        faults.scheduleSteps();
        for (const tMs of schedule.probeTimesMs) {
          if (tMs < schedule.starts.recovery) faults.at(tMs, () => judge.runChecks('during'));
        }
        if (await waitUntil(schedule.starts.recovery)) {
          // The last check of `during`, with every fault still in place.
          await judge.runChecks('during');
          completed.add('during');
          note({ kind: 'phase', name: 'recovery', ok: true, detail: 'rollbacks, then the recovery grace' });
          setRates('recovery');
          await faults.settle();
          await faults.rollbackAll();
          if (await waitUntil(schedule.starts.after)) {
            note({ kind: 'phase', name: 'after', ok: true });
            if (await waitUntil(schedule.endMs)) completed.add('after');
          }
        }
      }
    }
  } catch (error) {
    if (!signal?.aborted) {
      recorder.errors.push(`run failed: ${(error as Error).message}`);
      note({ kind: 'info', name: 'run failed', ok: false, detail: (error as Error).message });
    }
  } finally {
    if (signal?.aborted) aborted = true;
    generator.stop();
    if (progressTimer) clearInterval(progressTimer);
    await faults.rollbackAll();
    // Answers still on their way belong to the phase they started in; wait for them (bounded by the timeout).
    const drained = await generator.drain(aborted ? 2000 : timeoutMs + 2000);
    if (!drained && recorder.loadStarted)
      note({ kind: 'info', name: `${generator.inFlight} arrivals still in flight at the end`, ok: false });
  }

  if (completed.has('after')) await judge.runChecks('after');
  // A phase the run never finished (interrupted, or the setup failed) is not judged.
  for (const phase of ['before', 'during', 'after'] as JudgedPhase[])
    if (!completed.has(phase)) skipped.add(phase);

  // ---- verdict and files ----------------------------------------------------------------------------
  const { probes, verdict } = judge.verdict({ aborted, skipped });
  const samples = recorder.samples;
  const epochMs = recorder.epochMs;
  const endMs = Math.max(now(), ...samples.map((s) => s.t + s.latencyMs));
  const phases = judge.phases();

  const audit = judge.lastOrderAudit;
  const summary: Summary = {
    experiment: {
      name: experiment.name,
      title: experiment.title,
      description: experiment.description,
      specScenario: experiment.specScenario,
      hypothesis: experiment.hypothesis.title,
    },
    verdict,
    run: {
      startedAt: new Date(epochMs).toISOString(),
      endedAt: new Date(epochMs + endMs).toISOString(),
      epochMs,
      durationScale,
      rateScale,
      target: describeTarget(target),
      stack: options.stack?.describe() ?? null,
      phases: phases.bounds,
      streams: experiment.load.streams.map((stream) => ({
        name: stream.name,
        work: stream.work.type,
        rates: {
          before: rateIn(stream.rate, 'before', rateScale),
          during: rateIn(stream.rate, 'during', rateScale),
          after: rateIn(stream.rate, 'after', rateScale),
        },
      })),
      generator: {
        started: generator.started,
        dropped: generator.dropped,
        lagP99Ms: Math.round(percentile(generator.lags, 99) * 10) / 10 || 0,
        maxInFlight,
      },
      stockReset: judge.stockReset,
    },
    probes,
    checks: judge.checks,
    phases: phases.summaries,
    timeline: recorder.timeline,
    faults: faults.bands.map((band) => ({
      ...band,
      endMs: band.endMs ?? Math.round(schedule.starts.recovery),
    })),
    audit: audit
      ? {
          ok: audit.ok,
          settled: audit.settled,
          orders: audit.orders,
          saga_tasks: audit.saga_tasks,
          violation_count: audit.violation_count,
          violations: (audit.violations ?? []).slice(0, 20),
        }
      : null,
    grafana: {
      from: epochMs,
      to: epochMs + endMs,
      links: grafanaLinks(grafana, epochMs, epochMs + endMs),
    },
    files: { samples: 'samples.csv', summary: 'summary.json', report: 'report.html' },
  };
  if (options.stack) {
    const logsDir = join(dir, 'logs');
    mkdirSync(logsDir, { recursive: true });
    for (const [name, output] of Object.entries(options.stack.logs())) {
      writeFileSync(join(logsDir, `${name}.log`), output);
    }
    summary.files.logs = 'logs/';
  }
  await recorder.close();
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, 'report.html'), renderReport(summary, samples, schedule));
  await Promise.all([http.close(), control.close()]);

  log(
    `${prefix} verdict: ${verdict.status.toUpperCase()} — before ${verdict.phases.before}, during ${verdict.phases.during}, after ${verdict.phases.after}`,
  );
  for (const reason of verdict.reasons) log(`${prefix}   ✗ ${reason}`);
  log(`${prefix} report: ${join(dir, 'report.html')}`);
  return { summary, samples, dir, exitCode: verdict.passed ? 0 : 1 };
}

export type { Schedule };
export type { FaultBand, RunResult, Summary, TimelineEvent } from './summary';
