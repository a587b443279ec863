/**
 * Runs one experiment against a target: setup → steady state before → method (load + faults on schedule) →
 * rollbacks (always: at the end of the method, on a failure and on Ctrl-C) → recovery → steady state after →
 * verdict, samples, summary and report under results/<name>-<timestamp>/.
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { grafanaConfigFromEnv, grafanaLinks, type GrafanaConfig, type Link } from './grafana';
import { bodyCode, HttpClient } from './http';
import {
  evaluateInstant,
  evaluateProbe,
  isInstant,
  phasesOf,
  verdictOf,
  type InstantCheck,
  type ProbeResult,
  type Verdict,
} from './hypothesis';
import { LoadGenerator, sleep } from './load';
import {
  needsOwnStack,
  validateExperiment,
  type Experiment,
  type Fault,
  type JudgedPhase,
  type Phase,
  type Probe,
  type Rollback,
} from './model';
import { renderReport } from './report';
import { buildSchedule, judgedIn, phaseAt, rateIn, type Schedule, type ScheduledStep } from './schedule';
import type { Stack } from './stack';
import { DROPPED, isError, percentile, summarize, type Sample, type WindowStats } from './stats';
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

type PhaseSummary = { window: [number, number]; overall: WindowStats; ops: Record<string, WindowStats> };

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

interface OrderAudit {
  ok?: boolean;
  settled?: boolean;
  orders?: Record<string, number>;
  saga_tasks?: { pending: number; dead: number };
  violation_count?: number;
  violations?: { message: string }[];
}

interface InventoryAudit {
  ok?: boolean;
  violations?: { menu_id: number; drift: number }[];
  menus?: { menu_id: number; stock: number }[];
}

const CSV_HEADER = 'time,t_ms,phase,stream,operation,status,latency_ms,error_code,outcome\n';
const csvField = (value: string | number) => {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

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
  const csv: WriteStream = createWriteStream(join(dir, 'samples.csv'));
  csv.write(CSV_HEADER);

  const samples: Sample[] = [];
  const checks: InstantCheck[] = [];
  const timeline: TimelineEvent[] = [];
  const bands: FaultBand[] = [];
  const errors: string[] = [];
  const recent: { end: number; latency: number; error: boolean }[] = [];
  let lastOrderAudit: OrderAudit | null = null;
  let stockReset = true;

  let t0 = performance.now();
  let epochMs = Date.now();
  let loadStarted = false;
  const now = () => (loadStarted ? performance.now() - t0 : 0);
  const note = (event: Omit<TimelineEvent, 'tMs'> & { tMs?: number }) => {
    const entry: TimelineEvent = { ...event, tMs: Math.round(event.tMs ?? now()) };
    timeline.push(entry);
    const mark = entry.ok ? '' : ' ✗';
    log(
      `  · ${(entry.tMs / 1000).toFixed(1)}s ${entry.kind} ${entry.name}${mark}${entry.detail ? ` — ${entry.detail}` : ''}`,
    );
  };

  const record = (sample: Sample) => {
    samples.push(sample);
    csv.write(
      [
        new Date(epochMs + sample.t).toISOString(),
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
      recent.push({ end: now(), latency: sample.latencyMs, error: isError(sample) });
  };

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
          record({
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
        record({
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

  // ---- faults and rollbacks -------------------------------------------------------------------------
  const chaosHeaders = target.chaosKey ? { 'x-chaos-key': target.chaosKey } : undefined;
  const needStack = (what: string): Stack => {
    if (!options.stack) throw new Error(`${what} needs an own stack (--start-stack)`);
    return options.stack;
  };
  const applyFault = async (fault: Fault) => {
    if (fault.kind === 'chaos') {
      // A TTL as a safety net: if this process dies before its rollback, the fault still switches itself off.
      const ttl = Math.ceil((schedule.starts.recovery - now()) / 1000) + 60;
      const body: Record<string, unknown> = {
        ...fault.body,
        ...(fault.instance ? { instance: fault.instance } : {}),
      };
      if (body.ttl_s === undefined) body.ttl_s = ttl;
      const answer = await control.send({
        url: `${api.chaos(fault.service)}/${fault.knob}`,
        body,
        headers: chaosHeaders,
      });
      if (answer.status !== 200)
        throw new Error(
          `POST /chaos/${fault.knob} → ${answer.status || answer.error} ${JSON.stringify(answer.body)}`,
        );
    } else if (fault.kind === 'kill') {
      await needStack(`kill ${fault.target}`).kill(fault.target);
    } else {
      await needStack(`stop ${fault.target}`).stop(fault.target);
    }
  };
  const revertFault = async (fault: Fault) => {
    if (fault.kind === 'chaos') {
      const query = fault.instance ? `?instance=${encodeURIComponent(fault.instance)}` : '';
      const answer = await control.send({
        method: 'DELETE',
        url: `${api.chaos(fault.service)}/${encodeURIComponent(fault.knob)}${query}`,
        headers: chaosHeaders,
      });
      if (answer.status !== 200)
        throw new Error(`DELETE /chaos/${fault.knob} → ${answer.status || answer.error}`);
    } else {
      await needStack(`start ${fault.target}`).start(fault.target);
    }
  };
  const runRollback = async (rollback: Rollback) => {
    if (rollback.kind === 'chaos-reset') {
      const answer = await control.send({
        method: 'DELETE',
        url: api.chaos(rollback.service),
        headers: chaosHeaders,
      });
      if (answer.status !== 200) throw new Error(`DELETE /chaos → ${answer.status || answer.error}`);
    } else {
      await needStack(`start ${rollback.target}`).start(rollback.target);
    }
  };

  const active = new Map<number, { step: ScheduledStep; band: FaultBand; applied: Promise<boolean> }>();
  const pending = new Set<Promise<unknown>>();
  const timers = new Set<NodeJS.Timeout>();
  const track = <T>(promise: Promise<T>) => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
    return promise;
  };
  const at = (tMs: number, action: () => Promise<unknown>) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        void track(action());
      },
      Math.max(0, tMs - now()),
    );
    timers.add(timer);
  };

  const inject = (step: ScheduledStep) => {
    const band: FaultBand = { name: step.name, kind: step.fault.kind, startMs: now(), endMs: null, ok: true };
    bands.push(band);
    const started = performance.now();
    const applied = applyFault(step.fault).then(
      () => {
        note({
          kind: 'fault',
          name: step.name,
          ok: true,
          durationMs: Math.round(performance.now() - started),
        });
        return true;
      },
      (error: Error) => {
        band.ok = false;
        band.endMs = now();
        errors.push(`fault "${step.name}" could not be injected: ${error.message}`);
        note({ kind: 'fault', name: step.name, ok: false, detail: error.message });
        return false;
      },
    );
    active.set(step.index, { step, band, applied });
    return applied;
  };
  const revert = async (index: number, kind: 'revert' | 'rollback') => {
    const entry = active.get(index);
    if (!entry) return;
    active.delete(index);
    if (!(await entry.applied)) return;
    const started = performance.now();
    try {
      await revertFault(entry.step.fault);
      entry.band.endMs = now();
      note({
        kind,
        name: `undo ${entry.step.name}`,
        ok: true,
        durationMs: Math.round(performance.now() - started),
      });
    } catch (error) {
      entry.band.endMs = now();
      errors.push(`rollback of "${entry.step.name}" failed: ${(error as Error).message}`);
      note({ kind, name: `undo ${entry.step.name}`, ok: false, detail: (error as Error).message });
    }
  };
  let rolledBack: Promise<void> | null = null;
  /** Undoes every fault still in place, then the declared rollbacks. Runs once, whatever happened. */
  const rollbackAll = () =>
    (rolledBack ??= (async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const index of [...active.keys()].reverse()) await revert(index, 'rollback');
      for (const rollback of experiment.rollbacks ?? []) {
        const name =
          rollback.kind === 'chaos-reset' ? `reset chaos on ${rollback.service}` : `start ${rollback.target}`;
        try {
          await runRollback(rollback);
          note({ kind: 'rollback', name, ok: true });
        } catch (error) {
          errors.push(`rollback "${name}" failed: ${(error as Error).message}`);
          note({ kind: 'rollback', name, ok: false, detail: (error as Error).message });
        }
      }
    })());

  // ---- point-in-time probes -------------------------------------------------------------------------
  const settleTimeoutMs = (experiment.settleTimeoutS ?? 60) * 1000;
  let stockBefore: Map<number, number> | null = null;
  const inventory = async () => {
    const answer = await control.send({ url: api.inventoryAudit });
    if (answer.status !== 200) throw new Error(`GET /inventory/audit → ${answer.status || answer.error}`);
    return answer.body as InventoryAudit;
  };
  const checkOf = async (probe: Probe, phase: JudgedPhase): Promise<{ ok: boolean; detail: string }> => {
    switch (probe.type) {
      case 'audit': {
        if (probe.scope === 'inventory') {
          const audit = await inventory();
          const drift = (audit.violations ?? []).map((v) => `menu ${v.menu_id} drift ${v.drift}`).join(', ');
          return {
            ok: audit.ok === true,
            detail: audit.ok ? `ok (${audit.menus?.length ?? 0} menus)` : drift,
          };
        }
        // Meaningful only once every order settled: wait for that (the recovery loop may need a while).
        const deadline = Date.now() + (phase === 'during' ? 0 : settleTimeoutMs);
        const fetchAudit = async () => {
          const answer = await control.send({ url: api.orderAudit });
          return { status: answer.status, audit: (answer.body ?? {}) as OrderAudit };
        };
        let { status, audit } = await fetchAudit();
        while (
          !(status === 200 && (audit.settled || phase === 'during')) &&
          Date.now() < deadline &&
          !signal?.aborted
        ) {
          await sleep(500, signal);
          ({ status, audit } = await fetchAudit());
        }
        if (status !== 200) return { ok: false, detail: `GET /orders/audit → ${status} ${bodyCode(audit)}` };
        lastOrderAudit = audit;
        const counts = Object.entries(audit.orders ?? {})
          .map(([key, value]) => `${key} ${value}`)
          .join(', ');
        if (!audit.settled && phase !== 'during') {
          return {
            ok: false,
            detail: `not settled after ${settleTimeoutMs / 1000}s (${counts}; saga tasks pending ${audit.saga_tasks?.pending ?? '?'})`,
          };
        }
        return audit.ok
          ? { ok: true, detail: `ok: ${counts}` }
          : {
              ok: false,
              detail: `${audit.violation_count} violations: ${(audit.violations ?? [])[0]?.message ?? ''}`,
            };
      }
      case 'stock-restored': {
        if (!stockBefore) return { ok: false, detail: 'no stock snapshot from before the run' };
        const after = new Map((await inventory()).menus?.map((m) => [m.menu_id, m.stock]) ?? []);
        const changed = probe.menus
          .filter((id) => after.get(id) !== stockBefore?.get(id))
          .map((id) => `menu ${id}: ${stockBefore?.get(id)} → ${after.get(id)}`);
        return changed.length
          ? { ok: false, detail: changed.join(', ') }
          : { ok: true, detail: probe.menus.map((id) => `menu ${id}: ${after.get(id)}`).join(', ') };
      }
      case 'http': {
        const answer = await control.send({ url: `${target.services[probe.service]}${probe.path}` }, 5000);
        return {
          ok: answer.status === probe.expectStatus,
          detail: `${probe.service} ${probe.path} → ${answer.status || answer.error}`,
        };
      }
      default:
        throw new Error(`${probe.type} is not a point-in-time probe`);
    }
  };
  const runChecks = async (phase: JudgedPhase) => {
    const probes = experiment.hypothesis.probes.filter(
      (probe) =>
        isInstant(probe) && phasesOf(probe).includes(phase) && !(probe.needsStockReset && !stockReset),
    );
    // The order audit first: it waits until everything settled, which the other checks then see too.
    probes.sort(
      (a, b) =>
        Number(b.type === 'audit' && b.scope === 'orders') -
        Number(a.type === 'audit' && a.scope === 'orders'),
    );
    for (const probe of probes) {
      const tMs = now();
      let result: { ok: boolean; detail: string };
      try {
        result = await checkOf(probe, phase);
      } catch (error) {
        result = { ok: false, detail: (error as Error).message };
      }
      checks.push({ probe: probe.name, phase, tMs: Math.round(tMs), ...result });
      if (!result.ok || phase !== 'during')
        log(`  ${result.ok ? '✓' : '✗'} ${phase} ${probe.name}: ${result.detail}`);
    }
  };

  // ---- progress -------------------------------------------------------------------------------------
  let progressTimer: NodeJS.Timeout | null = null;
  const progress = () => {
    const t = now();
    while (recent.length && recent[0].end < t - 1000) recent.shift();
    const latencies = recent.map((r) => r.latency);
    const errorsNow = recent.filter((r) => r.error).length;
    const started = samples.length;
    const totalErrors = samples.filter(isError).length;
    const faults = [...active.values()].filter((a) => a.band.ok).map((a) => a.step.name);
    const phase = phaseAt(schedule, t);
    const rate = experiment.load.streams.reduce((sum, s) => sum + rateIn(s.rate, phase, rateScale), 0);
    const fmt = (v: number) => (Number.isFinite(v) ? `${Math.round(v)}` : '–');
    log(
      `[${(t / 1000).toFixed(0).padStart(4)}s ${phase.padEnd(8)}] ${rate} arrivals/s → ${recent.length} answers/s` +
        ` · p50 ${fmt(percentile(latencies, 50))} ms · p99 ${fmt(percentile(latencies, 99))} ms` +
        ` · errors ${errorsNow}/s (${totalErrors} of ${started}) · in flight ${generator.inFlight}` +
        ` · dropped ${generator.dropped} · faults: ${faults.length ? faults.join('; ') : 'none'}`,
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
        stockReset = false;
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
    if (experiment.hypothesis.probes.some((probe) => probe.type === 'stock-restored')) {
      stockBefore = new Map((await inventory()).menus?.map((m) => [m.menu_id, m.stock]) ?? []);
    }
    if (signal?.aborted) throw new Error('interrupted');
    await runChecks('before'); // at rest, before any load: the audit needs quiet to mean something

    t0 = performance.now();
    epochMs = Date.now();
    loadStarted = true;
    progressTimer = setInterval(progress, 1000);
    note({ kind: 'phase', name: 'before', ok: true });
    setRates('before');

    if (await waitUntil(schedule.starts.during)) {
      completed.add('before');
      // Chaos Toolkit's rule: no steady state before, no method.
      const early = experiment.hypothesis.probes
        .filter((probe) => !isInstant(probe) && phasesOf(probe).includes('before'))
        .map((probe) => evaluateProbe(probe, 'before', samplesIn('before'), { stockReset }));
      // Only a definite failure stops the method: a probe with no answer back yet (every arrival of the phase
      // still in flight on a slow machine) is undecided here, and is judged at the end with every answer.
      const beforeFailed =
        early.some((r) => r.status === 'failed' && r.samples !== 0) ||
        checks.some((c) => c.phase === 'before' && !c.ok);
      if (beforeFailed) {
        note({ kind: 'info', name: 'steady state not met before the method: method skipped', ok: false });
        skipped.add('during').add('after');
      } else {
        note({ kind: 'phase', name: 'during', ok: true });
        setRates('during');
        for (const step of schedule.steps) {
          at(step.atMs, () => inject(step));
          if (step.revertAtMs < schedule.starts.recovery) {
            at(step.revertAtMs, async () => {
              await active.get(step.index)?.applied;
              await revert(step.index, 'revert');
            });
          }
        }
        for (const tMs of schedule.probeTimesMs) {
          if (tMs < schedule.starts.recovery) at(tMs, () => runChecks('during'));
        }
        if (await waitUntil(schedule.starts.recovery)) {
          // The last check of `during`, with every fault still in place.
          await runChecks('during');
          completed.add('during');
          note({ kind: 'phase', name: 'recovery', ok: true, detail: 'rollbacks, then the recovery grace' });
          setRates('recovery');
          for (const promise of [...pending]) await promise;
          await rollbackAll();
          if (await waitUntil(schedule.starts.after)) {
            note({ kind: 'phase', name: 'after', ok: true });
            if (await waitUntil(schedule.endMs)) completed.add('after');
          }
        }
      }
    }
  } catch (error) {
    if (!signal?.aborted) {
      errors.push(`run failed: ${(error as Error).message}`);
      note({ kind: 'info', name: 'run failed', ok: false, detail: (error as Error).message });
    }
  } finally {
    if (signal?.aborted) aborted = true;
    generator.stop();
    if (progressTimer) clearInterval(progressTimer);
    await rollbackAll();
    // Answers still on their way belong to the phase they started in; wait for them (bounded by the timeout).
    const drained = await generator.drain(aborted ? 2000 : timeoutMs + 2000);
    if (!drained && loadStarted)
      note({ kind: 'info', name: `${generator.inFlight} arrivals still in flight at the end`, ok: false });
  }

  if (completed.has('after')) await runChecks('after');
  // A phase the run never finished (interrupted, or the setup failed) is not judged.
  for (const phase of ['before', 'during', 'after'] as JudgedPhase[])
    if (!completed.has(phase)) skipped.add(phase);

  // ---- verdict and files ----------------------------------------------------------------------------
  function samplesIn(phase: JudgedPhase): Sample[] {
    return samples.filter((sample) => judgedIn(schedule, phase, sample));
  }
  const probes: ProbeResult[] = [];
  for (const probe of experiment.hypothesis.probes) {
    for (const phase of phasesOf(probe)) {
      if (skipped.has(phase)) {
        probes.push({
          probe: probe.name,
          type: probe.type,
          phase,
          status: 'skipped',
          observed: '–',
          tolerance: '–',
          detail: 'phase not run',
        });
      } else if (isInstant(probe)) {
        probes.push(evaluateInstant(probe, phase, checks, { stockReset }));
      } else {
        probes.push(evaluateProbe(probe, phase, samplesIn(phase), { stockReset }));
      }
    }
  }
  const verdict = verdictOf(probes, { aborted, errors, skipped: [...skipped] });
  const endMs = Math.max(now(), ...samples.map((s) => s.t + s.latencyMs));

  const phaseSummaries: Partial<Record<Phase, PhaseSummary>> = {};
  const bounds: Record<Phase, [number, number]> = {
    before: [0, schedule.starts.during],
    during: [schedule.starts.during, schedule.starts.recovery],
    recovery: [schedule.starts.recovery, schedule.starts.after],
    after: [schedule.starts.after, schedule.endMs],
  };
  for (const phase of ['before', 'during', 'recovery', 'after'] as Phase[]) {
    const [from, to] = bounds[phase];
    const mine = samples.filter((s) => s.t >= from && s.t < to);
    if (to <= from) continue;
    const ops: Record<string, WindowStats> = {};
    for (const op of [...new Set(mine.map((s) => s.op))].sort()) {
      ops[op] = summarize(
        mine.filter((s) => s.op === op),
        to - from,
      );
    }
    phaseSummaries[phase] = { window: [from, to], overall: summarize(mine, to - from), ops };
  }

  const audit = lastOrderAudit as OrderAudit | null;
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
      phases: bounds,
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
      stockReset,
    },
    probes,
    checks,
    phases: phaseSummaries,
    timeline,
    faults: bands.map((band) => ({ ...band, endMs: band.endMs ?? Math.round(schedule.starts.recovery) })),
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
  await new Promise<void>((done) => csv.end(done));
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
