/**
 * What the console knows and does, behind its HTTP API: the instances (from npm start's launcher, else one per
 * configured service URL), a scrape of every instance's /metrics and health every step into 5 minutes of chart
 * points, and the calls it forwards to the services' /chaos, the traffic generator and results/.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JsonSchema } from '../shared/knob-schema';
import { Series, snapshotOf, stepOf, type Snapshot, type StepPoint } from './metrics';
import { ConsoleError } from './requests';

export interface ServiceTarget {
  /** user-service, restaurant-service, order-service. */
  name: string;
  /** The URL of its first instance (chaos state is shared between replicas through Redis). */
  url: string;
}

export interface InstanceInfo {
  service: string;
  instance: string;
  url: string;
  /** From the launcher: starting, up, restarting; null without one. */
  state: string | null;
  restarts: number | null;
  pid: number | null;
  live: boolean | null;
  ready: boolean | null;
  uptime_s: number | null;
  node_version: string | null;
}

interface LauncherUnit {
  service: string;
  instance: string;
  port: number;
  pid: number | null;
  state: string;
  restarts: number;
}

export interface BackendOptions {
  services: ServiceTarget[];
  launcherUrl: string | null;
  /** Without a launcher: the instances to scrape (service, url); empty: each service's own URL. */
  instances: Array<{ service: string; url: string }>;
  trafficUrl: string | null;
  resultsDir: string;
  chaosKey: string | undefined;
  stepMs: number;
  logger: Logger;
}

/** 5 minutes of steps. */
export const HISTORY_MS = 5 * 60_000;
const CALL_TIMEOUT_MS = 5000;
const PROBE_TIMEOUT_MS = 1500;

export interface Forwarded {
  status: number;
  body: unknown;
}

export class Backend {
  private instances: InstanceInfo[] = [];
  private readonly last = new Map<string, Snapshot>();
  readonly series = new Map<string, Series<StepPoint>>();
  private readonly schemas = new Map<string, Map<string, JsonSchema>>();
  /** Without a launcher: each URL's INSTANCE_ID, as its `GET /chaos` names it (asked once). */
  private readonly instanceIds = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> | null = null;
  launcherAnswers = false;

  constructor(readonly options: BackendOptions) {
    for (const service of options.services)
      this.series.set(service.name, new Series(Math.ceil(HISTORY_MS / options.stepMs)));
  }

  get serviceNames(): string[] {
    return this.options.services.map((service) => service.name);
  }

  start(): void {
    const tick = () => {
      this.sampling = this.sample().catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'sampling failed'),
      );
    };
    tick();
    this.timer = setInterval(tick, this.options.stepMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sampling;
  }

  overview(): InstanceInfo[] {
    return this.instances;
  }

  /** Every instance of every service: the launcher's list when it answers, else the configured URLs. */
  private async discover(): Promise<InstanceInfo[]> {
    const empty = { live: null, ready: null, uptime_s: null, node_version: null };
    const { launcherUrl, services } = this.options;
    if (launcherUrl) {
      try {
        const response = await fetch(`${launcherUrl}/status`, {
          signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        });
        const body = (await response.json()) as { instances?: LauncherUnit[] };
        const units = (body.instances ?? []).filter((unit) => services.some((s) => s.name === unit.service));
        this.launcherAnswers = true;
        if (units.length)
          return units.map((unit) => ({
            ...empty,
            service: unit.service,
            instance: unit.instance,
            url: `http://127.0.0.1:${unit.port}`,
            state: unit.state,
            restarts: unit.restarts,
            pid: unit.pid,
          }));
      } catch {
        this.launcherAnswers = false;
      }
    }
    const configured = this.options.instances.filter((entry) =>
      services.some((s) => s.name === entry.service),
    );
    const listed = configured.length
      ? configured
      : services.map((service) => ({ service: service.name, url: service.url }));
    await Promise.all(
      listed
        .filter((entry) => !this.instanceIds.has(entry.url))
        .map(async (entry) => {
          const view = await this.call(`${entry.url}/chaos`).catch(() => null);
          const id = (view?.body as { instance?: unknown } | null)?.instance;
          if (typeof id === 'string') this.instanceIds.set(entry.url, id);
        }),
    );
    return listed.map((entry) => ({
      ...empty,
      service: entry.service,
      instance: this.instanceIds.get(entry.url) ?? new URL(entry.url).host,
      url: entry.url,
      state: null,
      restarts: null,
      pid: null,
    }));
  }

  /** One step: health and /metrics of every instance, then each service's chart point. */
  async sample(): Promise<void> {
    const instances = await this.discover();
    const probe = async (url: string) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        await response.arrayBuffer();
        return response.ok;
      } catch {
        return false;
      }
    };
    const pairs = new Map<string, Array<readonly [Snapshot, Snapshot]>>();
    await Promise.all(
      instances.map(async (instance) => {
        const [live, ready, text] = await Promise.all([
          probe(`${instance.url}/health/live`),
          probe(`${instance.url}/health/ready`),
          fetch(`${instance.url}/metrics`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
            .then((response) => (response.ok ? response.text() : null))
            .catch(() => null),
        ]);
        instance.live = live;
        instance.ready = ready;
        if (text === null) return;
        const snapshot = snapshotOf(text, Date.now());
        instance.uptime_s =
          snapshot.startedAt === null
            ? null
            : Math.max(0, Math.round(Date.now() / 1000 - snapshot.startedAt));
        instance.node_version = snapshot.nodeVersion;
        const key = `${instance.service}/${instance.instance}`;
        const before = this.last.get(key);
        this.last.set(key, snapshot);
        if (before) pairs.set(instance.service, [...(pairs.get(instance.service) ?? []), [before, snapshot]]);
      }),
    );
    this.instances = instances;
    for (const [service, servicePairs] of pairs) {
      const point = stepOf(servicePairs);
      if (point) this.series.get(service)?.push(point);
    }
  }

  private target(service: string): ServiceTarget {
    const found = this.options.services.find((candidate) => candidate.name === service);
    if (!found) throw new ConsoleError(404, 'SERVICE_NOT_FOUND', 'No such service');
    return found;
  }

  /** A call to a service or the generator; an unreachable one is a 502 in the common error shape. */
  async call(
    url: string,
    init: { method?: string; body?: unknown; chaos?: boolean } = {},
  ): Promise<Forwarded> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.chaos && this.options.chaosKey) headers['x-chaos-key'] = this.options.chaosKey;
    try {
      const response = await fetch(url, {
        method: init.method ?? 'GET',
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const text = await response.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = { message: text.slice(0, 500) };
      }
      return { status: response.status, body };
    } catch (error) {
      throw new ConsoleError(
        502,
        'UPSTREAM_UNAVAILABLE',
        `${new URL(url).host} did not answer: ${(error as Error).message}`,
      );
    }
  }

  /** GET /chaos of a service; remembers each knob's schema for checking what the browser sends. */
  async chaosView(service: string): Promise<Forwarded> {
    const answer = await this.call(`${this.target(service).url}/chaos`);
    const catalogue = (answer.body as { catalogue?: Array<{ name: string; schema: JsonSchema }> } | null)
      ?.catalogue;
    if (answer.status === 200 && Array.isArray(catalogue))
      this.schemas.set(service, new Map(catalogue.map((knob) => [knob.name, knob.schema])));
    return answer;
  }

  async knobSchema(service: string, knob: string): Promise<JsonSchema | undefined> {
    if (!this.schemas.get(service)?.has(knob)) await this.chaosView(service);
    return this.schemas.get(service)?.get(knob);
  }

  setKnob(service: string, knob: string, body: Record<string, unknown>): Promise<Forwarded> {
    return this.call(`${this.target(service).url}/chaos/${knob}`, { method: 'POST', body, chaos: true });
  }

  clearKnob(service: string, knob: string, instance: string | null): Promise<Forwarded> {
    const query = instance ? `?instance=${encodeURIComponent(instance)}` : '';
    return this.call(`${this.target(service).url}/chaos/${knob}${query}`, { method: 'DELETE', chaos: true });
  }

  reset(service: string): Promise<Forwarded> {
    return this.call(`${this.target(service).url}/chaos`, { method: 'DELETE', chaos: true });
  }

  /** The order service's cross-service stock audit (GET /orders/audit, read-only). */
  audit(): Promise<Forwarded> {
    return this.call(`${this.target('order-service').url}/orders/audit`);
  }

  traffic(path: 'state' | 'rate' | 'mix' | 'start' | 'stop', body?: unknown): Promise<Forwarded> {
    if (!this.options.trafficUrl)
      throw new ConsoleError(
        404,
        'TRAFFIC_NOT_CONFIGURED',
        'No traffic generator is configured (TRAFFIC_URL=off)',
      );
    return this.call(`${this.options.trafficUrl}/${path}`, {
      method: path === 'state' ? 'GET' : 'POST',
      body: path === 'start' || path === 'stop' ? undefined : body,
    });
  }

  /** Every run under results/, newest first, with its verdict and time range (summary.json). */
  async experiments(): Promise<unknown[]> {
    const dir = this.options.resultsDir;
    const names = await readdir(dir).catch(() => [] as string[]);
    const runs = await Promise.all(
      names
        .filter((name) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name))
        .map(async (name) => {
          const summaryPath = join(dir, name, 'summary.json');
          const info = await stat(summaryPath).catch(() => null);
          if (!info || info.size > 4 * 1024 * 1024) return null;
          try {
            const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as {
              experiment?: { name?: string; title?: string };
              verdict?: { status?: string; passed?: boolean; reasons?: string[] };
              run?: { startedAt?: string; endedAt?: string };
              grafana?: { from?: number; to?: number };
            };
            const files = await readdir(join(dir, name)).catch(() => [] as string[]);
            return {
              run: name,
              name: summary.experiment?.name ?? name,
              title: summary.experiment?.title ?? null,
              status: summary.verdict?.status ?? 'unknown',
              passed: summary.verdict?.passed ?? null,
              reasons: (summary.verdict?.reasons ?? []).slice(0, 5),
              started_at: summary.run?.startedAt ?? null,
              ended_at: summary.run?.endedAt ?? null,
              from:
                summary.grafana?.from ?? (summary.run?.startedAt ? Date.parse(summary.run.startedAt) : null),
              to: summary.grafana?.to ?? (summary.run?.endedAt ? Date.parse(summary.run.endedAt) : null),
              reports: ['report.html', 'report.md', 'summary.json'].filter((file) => files.includes(file)),
            };
          } catch {
            return null;
          }
        }),
    );
    return runs
      .filter((run) => run !== null)
      .sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)))
      .slice(0, 200);
  }

  async resultFile(run: string, file: string): Promise<Buffer> {
    const path = join(this.options.resultsDir, run, file);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new ConsoleError(404, 'NOT_FOUND', 'No such result file');
    return readFile(path);
  }
}
