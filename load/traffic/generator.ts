/**
 * Synthetic traffic for a living system: the experiments' journeys (load/experiments/workloads.ts) started by their
 * open-model generator (load/experiments/load.ts), steerable at run time (rate, journey mix, on/off). A failed
 * call fails its journey and is counted by step; nothing is retried. Stock is kept available the way an operator
 * would: a menu running low gets a stock reset.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { HttpClient, bodyCode, type HttpAnswer, type HttpRequest } from '../experiments/http';
import { LoadGenerator, sleep } from '../experiments/load';
import type { Workload } from '../experiments/model';
import { apiOf, type Api, type Target } from '../experiments/target';
import {
  BAD_INPUT,
  OP,
  createSessions,
  createWork,
  orderOf,
  orderOutcome,
  type Call,
  type Work,
  type WorkEnv,
} from '../experiments/workloads';

export const JOURNEYS = ['browse', 'order', 'order-cancel', 'login', 'signup', 'bad-input'] as const;
export type Journey = (typeof JOURNEYS)[number];
export type Mix = Record<Journey, number>;

/** What users mostly do: look, order, sometimes cancel; a few log in again or sign up; a little bad input. */
export const DEFAULT_MIX: Mix = {
  browse: 40,
  order: 30,
  'order-cancel': 10,
  login: 8,
  signup: 4,
  'bad-input': 8,
};

export interface TrafficOptions {
  target: Target;
  rate: number;
  maxRate: number;
  mix?: Mix;
  menus?: number[];
  sessions: number;
  maxSessions: number;
  maxInFlight: number;
  timeoutMs: number;
  stock: { low: number; refill: number; checkMs: number };
  logger: Logger;
}

export interface TrafficState {
  running: boolean;
  rate: number;
  max_rate: number;
  mix: Mix;
  /**
   * Over the last 5 s: journeys started per second (the offered rate, dropped ones included), finished per second
   * (lower than started while the system falls behind), and failed per second.
   */
  measured: {
    started_per_second: number;
    journeys_per_second: number;
    failed_per_second: number;
    window_seconds: number;
  };
  in_flight: number;
  dropped: number;
  sessions: number;
  menus: number[];
  stock_resets: number;
  target: string;
}

/** Order failures that mean "no stock": the keeper looks at once (the journey still counts as failed). */
const STOCK_REASONS = /STOCK/;
const WINDOW_SECONDS = 5;

export class TrafficGenerator {
  readonly registry = new Registry();
  private readonly http: HttpClient;
  private readonly api: Api;
  private readonly env: WorkEnv;
  /** The synthetic users' password: fresh for each run of the generator, never a constant. */
  private readonly password = randomBytes(12).toString('base64url');
  private readonly works = new Map<Journey, Work>();
  private readonly engine: LoadGenerator;
  private readonly tracer = trace.getTracer('traffic-generator');
  private mix: Mix;
  private rate: number;
  private running = false;
  private menus: number[] = [];
  private stockTimer: NodeJS.Timeout | null = null;
  private sessionTimer: NodeJS.Timeout | null = null;
  private stockCheck: Promise<void> | null = null;
  private stockResets = 0;
  /** Journeys per second of the run clock: [second, started, finished, failed]. */
  private readonly seconds: [number, number, number, number][] = [];

  private readonly started: Counter<'journey'>;
  private readonly journeys: Counter<'journey' | 'result'>;
  private readonly failures: Counter<'journey' | 'step' | 'reason'>;
  private readonly requests: Counter<'step' | 'status_class'>;
  private readonly duration: Histogram<'step'>;
  private readonly drops: Counter<'journey'>;
  private readonly resets: Counter<'outcome'>;

  constructor(private readonly options: TrafficOptions) {
    this.http = new HttpClient(options.timeoutMs);
    this.api = apiOf(options.target);
    this.env = { api: this.api, sessions: [], password: this.password };
    this.mix = { ...(options.mix ?? DEFAULT_MIX) };
    this.rate = options.rate;
    this.engine = new LoadGenerator(
      () => performance.now(),
      {
        run: (stream) => {
          this.started.inc({ journey: stream });
          this.count(1);
          return this.runJourney(stream as Journey);
        },
        drop: (stream) => {
          this.started.inc({ journey: stream });
          this.count(1);
          this.drops.inc({ journey: stream });
          this.journeys.inc({ journey: stream, result: 'dropped' });
        },
      },
      options.maxInFlight,
    );

    const registers = [this.registry];
    this.started = new Counter({
      name: 'traffic_journeys_started_total',
      help: 'Journeys started on the open-model schedule (the offered load), dropped ones included',
      labelNames: ['journey'],
      registers,
    });
    this.journeys = new Counter({
      name: 'traffic_journeys_total',
      help: 'Journeys finished, by journey and result (ok, failed, dropped: over the in-flight bound)',
      labelNames: ['journey', 'result'],
      registers,
    });
    this.failures = new Counter({
      name: 'traffic_journey_failures_total',
      help: 'Failed steps of the journeys: the call, and why (status code, error code or order failure reason)',
      labelNames: ['journey', 'step', 'reason'],
      registers,
    });
    this.requests = new Counter({
      name: 'traffic_requests_total',
      help: 'Calls made by the journeys, by step and status class (none: no answer)',
      labelNames: ['step', 'status_class'],
      registers,
    });
    this.duration = new Histogram({
      name: 'traffic_request_duration_seconds',
      help: 'Latency of the journeys’ calls as the client sees it',
      labelNames: ['step'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.drops = new Counter({
      name: 'traffic_arrivals_dropped_total',
      help: 'Journeys not started because too many were in flight',
      labelNames: ['journey'],
      registers,
    });
    this.resets = new Counter({
      name: 'traffic_stock_resets_total',
      help: 'Operator stock resets of menus running low (outcome ok or failed)',
      labelNames: ['outcome'],
      registers,
    });
    const gauge = (name: string, help: string, value: () => number) => {
      const metric: Gauge = new Gauge({ name, help, registers, collect: () => metric.set(value()) });
    };
    gauge('traffic_running', '1 while the generator starts journeys', () => (this.running ? 1 : 0));
    gauge('traffic_target_rate', 'Journeys per second asked for (0 while stopped)', () =>
      this.running ? this.rate : 0,
    );
    gauge('traffic_journeys_in_flight', 'Journeys started and not finished', () => this.engine.inFlight);
    gauge(
      'traffic_sessions',
      'Logged-in synthetic users the journeys act as',
      () => this.env.sessions.length,
    );
  }

  /**
   * Signs up the first users and finds the menus, waiting for the services to answer (they may still be
   * starting), then starts the journeys if the rate is above 0.
   */
  async start(signal?: AbortSignal): Promise<void> {
    const runId = Date.now().toString(36);
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.menus = await this.discoverMenus();
        const sessions = await createSessions(
          this.http,
          this.api,
          this.options.sessions,
          `t${runId}`,
          this.password,
        );
        this.env.sessions.push(...sessions);
        break;
      } catch (error) {
        if (signal?.aborted) throw error;
        this.options.logger.warn(
          { attempt, err: (error as Error).message },
          'the services are not ready for traffic yet; trying again in 2 s',
        );
        await sleep(2000, signal);
      }
    }
    for (const journey of JOURNEYS) this.works.set(journey, createWork(this.workload(journey)));
    this.stockTimer = setInterval(() => void this.checkStock(), this.options.stock.checkMs);
    this.stockTimer.unref();
    // Tokens live an hour: the users log in again every 30 minutes, so the traffic can run for days.
    this.sessionTimer = setInterval(() => void this.refreshSessions(), 30 * 60_000);
    this.sessionTimer.unref();
    await this.checkStock();
    this.running = this.rate > 0;
    this.applyRates();
    this.options.logger.info(
      { rate: this.rate, menus: this.menus, sessions: this.env.sessions.length },
      'traffic started',
    );
  }

  async close(): Promise<void> {
    this.engine.stop();
    if (this.stockTimer) clearInterval(this.stockTimer);
    if (this.sessionTimer) clearInterval(this.sessionTimer);
    await this.engine.drain(this.options.timeoutMs);
    await this.stockCheck;
    await this.http.close();
  }

  state(): TrafficState {
    const now = Math.floor(performance.now() / 1000);
    // Whole seconds only: the current one is still filling.
    const window = this.seconds.filter(([second]) => second < now && second >= now - WINDOW_SECONDS);
    const sum = (index: 1 | 2 | 3) => window.reduce((total, entry) => total + entry[index], 0);
    return {
      running: this.running,
      rate: this.rate,
      max_rate: this.options.maxRate,
      mix: { ...this.mix },
      measured: {
        started_per_second: sum(1) / WINDOW_SECONDS,
        journeys_per_second: sum(2) / WINDOW_SECONDS,
        failed_per_second: sum(3) / WINDOW_SECONDS,
        window_seconds: WINDOW_SECONDS,
      },
      in_flight: this.engine.inFlight,
      dropped: this.engine.dropped,
      sessions: this.env.sessions.length,
      menus: [...this.menus],
      stock_resets: this.stockResets,
      target:
        this.options.target.mode === 'gateway'
          ? this.options.target.baseUrl
          : Object.values(this.options.target.services).join(', '),
    };
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.applyRates();
  }

  setMix(mix: Partial<Mix>): void {
    this.mix = { ...this.mix, ...mix };
    this.applyRates();
  }

  /** The mix as it would be after `mix`: its weights must not all be 0. */
  mixAfter(mix: Partial<Mix>): Mix {
    return { ...this.mix, ...mix };
  }

  resume(): void {
    this.running = true;
    this.applyRates();
  }

  pause(): void {
    this.running = false;
    this.applyRates();
  }

  private applyRates(): void {
    const total = JOURNEYS.reduce((sum, journey) => sum + this.mix[journey], 0);
    for (const journey of JOURNEYS) {
      const share = total > 0 ? this.mix[journey] / total : 0;
      this.engine.setRate(journey, this.running && this.works.size > 0 ? this.rate * share : 0);
    }
  }

  private workload(journey: Journey): Workload {
    const menus = this.menus;
    switch (journey) {
      case 'browse':
        return { type: 'read-menus', menus };
      case 'order':
        return { type: 'order-flow', menus, maxItems: 3 };
      case 'order-cancel':
        return { type: 'cancel-reorder', menus, quantity: 1 };
      case 'login':
        return { type: 'login' };
      case 'signup':
        return { type: 'signup', maxSessions: this.options.maxSessions };
      case 'bad-input':
        return { type: 'bad-input' };
    }
  }

  /** One journey, as one trace that starts here: every call below carries its `traceparent`. */
  private runJourney(journey: Journey): Promise<void> {
    const work = this.works.get(journey);
    if (!work) return Promise.resolve();
    return this.tracer.startActiveSpan(
      `journey ${journey}`,
      { kind: SpanKind.INTERNAL, attributes: { 'journey.name': journey } },
      async (span) => {
        let failed = false;
        const call: Call = async (op, request, outcome) => {
          const answer = await this.http.send(request);
          const status = answer.status === 0 ? 'none' : `${Math.floor(answer.status / 100)}xx`;
          this.requests.inc({ step: op, status_class: status });
          this.duration.observe({ step: op }, answer.latencyMs / 1000);
          const reason = failureOf(op, answer, outcome);
          if (reason) {
            failed = true;
            this.failures.inc({ journey, step: op, reason });
            span.addEvent('step failed', { 'journey.step': op, 'failure.reason': reason });
            if (op === OP.order && STOCK_REASONS.test(reason)) void this.checkStock();
          }
          return answer;
        };
        try {
          await work.run(call, this.env);
        } catch (error) {
          failed = true;
          this.failures.inc({ journey, step: 'journey', reason: 'EXCEPTION' });
          span.recordException(error as Error);
        } finally {
          if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: 'a step failed' });
          span.end();
          this.journeys.inc({ journey, result: failed ? 'failed' : 'ok' });
          this.count(failed ? 3 : 2);
        }
      },
    );
  }

  /** Counts a started (1), finished (2) or failed (3, also finished) journey in the current second. */
  private count(what: 1 | 2 | 3): void {
    const second = Math.floor(performance.now() / 1000);
    let last = this.seconds[this.seconds.length - 1];
    if (!last || last[0] !== second) {
      last = [second, 0, 0, 0];
      this.seconds.push(last);
      while (this.seconds.length > WINDOW_SECONDS + 2) this.seconds.shift();
    }
    if (what === 1) last[1] += 1;
    else last[2] += 1;
    if (what === 3) last[3] += 1;
  }

  /** Housekeeping calls are not journeys: no trace of their own. */
  private quiet(request: HttpRequest): Promise<HttpAnswer> {
    return context.with(suppressTracing(context.active()), () => this.http.send(request));
  }

  private async discoverMenus(): Promise<number[]> {
    const answer = await this.quiet({ url: `${this.options.target.services.restaurant}/menus` });
    if (answer.status !== 200 || !Array.isArray(answer.body)) {
      throw new Error(`GET /menus → ${answer.status || answer.error}`);
    }
    const listed = (answer.body as { id: number }[]).map((menu) => menu.id);
    const wanted = this.options.menus?.length ? this.options.menus : listed;
    const menus = wanted.filter((id) => listed.includes(id));
    if (menus.length === 0) throw new Error(`none of the menus ${wanted.join(', ')} exists`);
    return menus;
  }

  /** At most one check at a time; a check asked for during one is that one. */
  private checkStock(): Promise<void> {
    this.stockCheck ??= this.refillLowMenus().finally(() => (this.stockCheck = null));
    return this.stockCheck;
  }

  private async refillLowMenus(): Promise<void> {
    const { low, refill } = this.options.stock;
    const answer = await this.quiet({ url: `${this.options.target.services.restaurant}/menus` });
    if (answer.status !== 200 || !Array.isArray(answer.body)) return;
    const lowMenus = (answer.body as { id: number; inventory: number }[])
      .filter((menu) => this.menus.includes(menu.id) && menu.inventory < low)
      .map((menu) => menu.id);
    if (lowMenus.length === 0) return;
    const reset = await this.quiet({
      method: 'POST',
      url: this.api.stockReset,
      body: { stock: refill, menu_ids: lowMenus },
      headers: this.options.target.adminKey ? { 'x-admin-key': this.options.target.adminKey } : {},
    });
    if (reset.status === 200) {
      this.stockResets += 1;
      this.resets.inc({ outcome: 'ok' });
      this.options.logger.info({ menus: lowMenus, stock: refill }, 'stock reset (menus running low)');
    } else {
      this.resets.inc({ outcome: 'failed' });
      this.options.logger.warn(
        { menus: lowMenus, status: reset.status || reset.error, code: bodyCode(reset.body) },
        'stock reset refused: set TRAFFIC_ADMIN_KEY when the restaurant service is not on loopback',
      );
    }
  }

  private async refreshSessions(): Promise<void> {
    for (const session of this.env.sessions) {
      const login = await this.quiet({
        url: this.api.login,
        body: { username: session.username, password: this.password },
      });
      const token = (login.body as { access_token?: string } | undefined)?.access_token;
      if (login.status === 200 && token) session.token = token;
    }
  }
}

/**
 * Why a call failed its journey, or null. No answer, a 5xx, an unexpected 4xx, or an order that did not go
 * through; the calls that must be refused (cancelling twice, bad input) fail when they are not.
 */
export function failureOf(
  op: string,
  answer: HttpAnswer,
  outcome?: (answer: HttpAnswer) => string,
): string | null {
  if (answer.status === 0) return answer.error ?? 'NO_ANSWER';
  const code = bodyCode(answer.body) || `HTTP_${answer.status}`;
  if (op in BAD_INPUT) {
    if (answer.status === BAD_INPUT[op]) return null;
    return answer.status >= 500 ? code : `UNEXPECTED_${answer.status}`;
  }
  if (op === OP.cancelAgain) return answer.status === 409 ? null : `UNEXPECTED_${answer.status}`;
  if (answer.status >= 400) return code;
  if (op === OP.order) {
    const order = orderOf(answer);
    if (order?.status === 'FAILED') return (outcome ?? orderOutcome)(answer);
  }
  return null;
}
