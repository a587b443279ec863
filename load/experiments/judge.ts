/**
 * Judges the hypothesis: the point-in-time checks (audits, stock restored, an HTTP probe) run at their moments,
 * then every probe of every phase evaluated against the samples and checks, the verdict and the per-phase
 * statistics.
 */
import { bodyCode, type HttpClient } from './http';
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
import { sleep } from './load';
import type { Experiment, JudgedPhase, Phase, Probe } from './model';
import type { RunRecorder } from './recorder';
import { judgedIn, type Schedule } from './schedule';
import { summarize, type Sample, type WindowStats } from './stats';
import type { PhaseSummary } from './summary';
import type { Api, Target } from './target';

export interface OrderAudit {
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

export interface JudgeOptions {
  experiment: Experiment;
  schedule: Schedule;
  target: Target;
  api: Api;
  /** The client for audits and probes: never counted as load. */
  control: HttpClient;
  recorder: RunRecorder;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export class Judge {
  readonly checks: InstantCheck[] = [];
  /** The last order audit answered (summary.json keeps it). */
  lastOrderAudit: OrderAudit | null = null;
  /** False when the setup could not reset the stock: the probes that need it are not judged. */
  stockReset = true;
  private stockBefore: Map<number, number> | null = null;
  private readonly settleTimeoutMs: number;

  constructor(private readonly options: JudgeOptions) {
    this.settleTimeoutMs = (options.experiment.settleTimeoutS ?? 60) * 1000;
  }

  /** Remembers every menu's stock, when a probe compares it after the run. */
  async snapshotStock(): Promise<void> {
    if (this.options.experiment.hypothesis.probes.some((probe) => probe.type === 'stock-restored')) {
      this.stockBefore = new Map((await this.inventory()).menus?.map((m) => [m.menu_id, m.stock]) ?? []);
    }
  }

  /** Runs the point-in-time checks of `phase` (the order audit first). */
  async runChecks(phase: JudgedPhase): Promise<void> {
    const probes = this.options.experiment.hypothesis.probes.filter(
      (probe) =>
        isInstant(probe) && phasesOf(probe).includes(phase) && !(probe.needsStockReset && !this.stockReset),
    );
    // The order audit first: it waits until everything settled, which the other checks then see too.
    probes.sort(
      (a, b) =>
        Number(b.type === 'audit' && b.scope === 'orders') -
        Number(a.type === 'audit' && a.scope === 'orders'),
    );
    for (const probe of probes) {
      const tMs = this.options.recorder.now();
      let result: { ok: boolean; detail: string };
      try {
        result = await this.checkOf(probe, phase);
      } catch (error) {
        result = { ok: false, detail: (error as Error).message };
      }
      this.checks.push({ probe: probe.name, phase, tMs: Math.round(tMs), ...result });
      if (!result.ok || phase !== 'during')
        this.options.log(`  ${result.ok ? '✓' : '✗'} ${phase} ${probe.name}: ${result.detail}`);
    }
  }

  /**
   * Chaos Toolkit's rule: no steady state before, no method. Only a definite failure counts: a probe with no
   * answer back yet (every arrival of the phase still in flight on a slow machine) is undecided here, and is
   * judged at the end with every answer.
   */
  steadyBefore(): boolean {
    const early = this.options.experiment.hypothesis.probes
      .filter((probe) => !isInstant(probe) && phasesOf(probe).includes('before'))
      .map((probe) =>
        evaluateProbe(probe, 'before', this.samplesIn('before'), { stockReset: this.stockReset }),
      );
    return !(
      early.some((r) => r.status === 'failed' && r.samples !== 0) ||
      this.checks.some((c) => c.phase === 'before' && !c.ok)
    );
  }

  /** Every probe of every phase, and the verdict. */
  verdict(run: { aborted: boolean; skipped: Set<JudgedPhase> }): { probes: ProbeResult[]; verdict: Verdict } {
    const probes: ProbeResult[] = [];
    for (const probe of this.options.experiment.hypothesis.probes) {
      for (const phase of phasesOf(probe)) {
        if (run.skipped.has(phase)) {
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
          probes.push(evaluateInstant(probe, phase, this.checks, { stockReset: this.stockReset }));
        } else {
          probes.push(evaluateProbe(probe, phase, this.samplesIn(phase), { stockReset: this.stockReset }));
        }
      }
    }
    const verdict = verdictOf(probes, {
      aborted: run.aborted,
      errors: this.options.recorder.errors,
      skipped: [...run.skipped],
    });
    return { probes, verdict };
  }

  /** Each phase's window and statistics, overall and per operation. */
  phases(): { bounds: Record<Phase, [number, number]>; summaries: Partial<Record<Phase, PhaseSummary>> } {
    const { schedule, recorder } = this.options;
    const summaries: Partial<Record<Phase, PhaseSummary>> = {};
    const bounds: Record<Phase, [number, number]> = {
      before: [0, schedule.starts.during],
      during: [schedule.starts.during, schedule.starts.recovery],
      recovery: [schedule.starts.recovery, schedule.starts.after],
      after: [schedule.starts.after, schedule.endMs],
    };
    for (const phase of ['before', 'during', 'recovery', 'after'] as Phase[]) {
      const [from, to] = bounds[phase];
      const mine = recorder.samples.filter((s) => s.t >= from && s.t < to);
      if (to <= from) continue;
      const ops: Record<string, WindowStats> = {};
      for (const op of [...new Set(mine.map((s) => s.op))].sort()) {
        ops[op] = summarize(
          mine.filter((s) => s.op === op),
          to - from,
        );
      }
      summaries[phase] = { window: [from, to], overall: summarize(mine, to - from), ops };
    }
    return { bounds, summaries };
  }

  private samplesIn(phase: JudgedPhase): Sample[] {
    return this.options.recorder.samples.filter((sample) => judgedIn(this.options.schedule, phase, sample));
  }

  private async inventory(): Promise<InventoryAudit> {
    const answer = await this.options.control.send({ url: this.options.api.inventoryAudit });
    if (answer.status !== 200) throw new Error(`GET /inventory/audit → ${answer.status || answer.error}`);
    return answer.body as InventoryAudit;
  }

  private async checkOf(probe: Probe, phase: JudgedPhase): Promise<{ ok: boolean; detail: string }> {
    const { api, control, target, signal } = this.options;
    switch (probe.type) {
      case 'audit': {
        if (probe.scope === 'inventory') {
          const audit = await this.inventory();
          const drift = (audit.violations ?? []).map((v) => `menu ${v.menu_id} drift ${v.drift}`).join(', ');
          return {
            ok: audit.ok === true,
            detail: audit.ok ? `ok (${audit.menus?.length ?? 0} menus)` : drift,
          };
        }
        // Meaningful only once every order settled: wait for that (the recovery loop may need a while).
        const deadline = Date.now() + (phase === 'during' ? 0 : this.settleTimeoutMs);
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
        this.lastOrderAudit = audit;
        const counts = Object.entries(audit.orders ?? {})
          .map(([key, value]) => `${key} ${value}`)
          .join(', ');
        if (!audit.settled && phase !== 'during') {
          return {
            ok: false,
            detail: `not settled after ${this.settleTimeoutMs / 1000}s (${counts}; saga tasks pending ${audit.saga_tasks?.pending ?? '?'})`,
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
        const before = this.stockBefore;
        if (!before) return { ok: false, detail: 'no stock snapshot from before the run' };
        const after = new Map((await this.inventory()).menus?.map((m) => [m.menu_id, m.stock]) ?? []);
        const changed = probe.menus
          .filter((id) => after.get(id) !== before.get(id))
          .map((id) => `menu ${id}: ${before.get(id)} → ${after.get(id)}`);
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
  }
}
