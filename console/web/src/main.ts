/**
 * The console page: polls the console server's /api every 2 s and renders five panels. Plain DOM; parts that
 * hold focus or user input (forms, buttons) are rebuilt only when what they show changes.
 */
import { drawChart } from './charts';
import { knobForm, type KnobInfo } from './forms';

interface Config {
  services: string[];
  step_ms: number;
  grafana_url: string | null;
  launcher: boolean;
  traffic: boolean;
}
interface Instance {
  service: string;
  instance: string;
  url: string;
  state: string | null;
  restarts: number | null;
  pid: number | null;
  live: boolean | null;
  ready: boolean | null;
  uptime_s: number | null;
  node_version: string | null;
}
interface Point {
  t: number;
  rate: number;
  errorShare: number | null;
  p50: number | null;
  p99: number | null;
  orders: Record<string, number>;
}
interface Fault {
  id: string;
  type: string;
  instance: string | null;
  applies_here: boolean;
  set_at: string;
  set_by: string;
  expires_at: string | null;
  ttl_remaining_s: number | null;
  [setting: string]: unknown;
}
interface ChaosView {
  service: string;
  instance: string;
  shared: boolean;
  redis: string;
  knobs: string[];
  catalogue: KnobInfo[];
  faults: Fault[];
  error?: { message?: string };
}
interface TrafficState {
  running: boolean;
  rate: number;
  max_rate: number;
  mix: Record<string, number>;
  measured?: { journeys_per_second: number; failed_per_second: number };
}
interface Run {
  run: string;
  name: string;
  title: string | null;
  status: string;
  passed: boolean | null;
  reasons: string[];
  started_at: string | null;
  from: number | null;
  to: number | null;
  reports: string[];
}

const WINDOW_MS = 5 * 60_000;
const KEY_STORAGE = 'food-delivery-console-key';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');

function say(message: string): void {
  status.textContent = message;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const element = Object.assign(document.createElement(tag), props);
  element.append(...children);
  return element;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A call to the console server, with the chaos key when this browser was given one. */
async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers['x-chaos-key'] = key;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await response.json().catch(() => null)) as
    (T & { message?: string; detail?: string[] }) | null;
  if (response.status === 401) {
    $('key-form').hidden = false;
    throw new ApiError(401, body?.message ?? 'the console needs the chaos key from this address');
  }
  if (!response.ok) {
    const detail = Array.isArray(body?.detail) && body.detail.length ? `: ${body.detail.join('; ')}` : '';
    throw new ApiError(response.status, `${body?.message ?? `HTTP ${response.status}`}${detail}`);
  }
  return body as T;
}

/** A table inside a labelled, scrollable region (narrow screens scroll the table, not the page). */
function table(label: string, headers: string[], rows: Array<Array<Node | string>>): HTMLElement {
  const head = el('tr', {}, ...headers.map((header) => el('th', { scope: 'col' }, header)));
  const body = rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', {}, cell))));
  const wrapper = el(
    'div',
    { className: 'table-wrap', tabIndex: 0 },
    el('table', {}, el('thead', {}, head), el('tbody', {}, ...body)),
  );
  wrapper.setAttribute('role', 'region');
  wrapper.setAttribute('aria-label', label);
  return wrapper;
}

const yesNo = (value: boolean | null, yes: string, no: string) =>
  value === null
    ? el('span', { className: 'muted' }, 'unknown')
    : el('span', { className: value ? 'ok' : 'bad' }, value ? yes : no);

function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

let config: Config;
let instances: Instance[] = [];

// ---- Services -------------------------------------------------------------------------------------------
function renderServices(): void {
  $('services-body').replaceChildren(
    table(
      'Services and instances',
      ['Service', 'Instance', 'Process', 'Live', 'Ready', 'Uptime', 'Restarts', 'Version'],
      instances.map((instance) => [
        instance.service,
        instance.instance,
        instance.state === null
          ? instance.live
            ? 'running'
            : 'not answering'
          : `${instance.state}${instance.pid ? ` (pid ${instance.pid})` : ''}`,
        yesNo(instance.live, 'live', 'down'),
        yesNo(instance.ready, 'ready', 'not ready'),
        duration(instance.uptime_s),
        instance.restarts === null ? '–' : String(instance.restarts),
        instance.node_version ? `node ${instance.node_version}` : '–',
      ]),
    ),
  );
}

// ---- Live numbers ---------------------------------------------------------------------------------------
const chartFigures = new Map<string, HTMLElement>();

function chartFigure(service: string, chart: string): HTMLElement {
  const key = `${service}/${chart}`;
  let figure = chartFigures.get(key);
  if (!figure) {
    figure = el('figure', { className: 'chart' });
    figure.dataset.chart = key;
    chartFigures.set(key, figure);
  }
  return figure;
}

function renderCharts(series: Record<string, Point[]>): void {
  const container = $('charts');
  const now = Date.now();
  if (container.childElementCount === 0) {
    for (const service of config.services) {
      container.append(
        el(
          'div',
          { className: 'card' },
          el('h3', {}, service),
          chartFigure(service, 'rate'),
          chartFigure(service, 'errors'),
          chartFigure(service, 'latency'),
        ),
      );
    }
  }
  for (const service of config.services) {
    const points = series[service] ?? [];
    drawChart(chartFigure(service, 'rate'), {
      title: 'Requests',
      unit: '/s',
      now,
      windowMs: WINDOW_MS,
      lines: [{ name: 'rate', className: 'c1', points: points.map((p) => ({ t: p.t, v: p.rate })) }],
    });
    drawChart(chartFigure(service, 'errors'), {
      title: 'Errors (5xx share)',
      unit: '%',
      now,
      windowMs: WINDOW_MS,
      fixedMax: 1,
      lines: [{ name: 'errors', className: 'c3', points: points.map((p) => ({ t: p.t, v: p.errorShare })) }],
    });
    drawChart(chartFigure(service, 'latency'), {
      title: 'Latency',
      unit: 'ms',
      now,
      windowMs: WINDOW_MS,
      lines: [
        { name: 'p50', className: 'c1', points: points.map((p) => ({ t: p.t, v: p.p50 })) },
        { name: 'p99', className: 'c2', points: points.map((p) => ({ t: p.t, v: p.p99 })) },
      ],
    });
  }
  // Order outcomes: totals over the window, and the rate of the last 30 s.
  const orders = series['order-service'] ?? [];
  const totals = new Map<string, number>();
  const recent = new Map<string, number>();
  for (const point of orders)
    for (const [outcome, count] of Object.entries(point.orders)) {
      totals.set(outcome, (totals.get(outcome) ?? 0) + count);
      if (point.t > now - 30_000) recent.set(outcome, (recent.get(outcome) ?? 0) + count);
    }
  const label = (outcome: string) => {
    const [state, reason] = outcome.split('/');
    return reason
      ? `${state.toLowerCase()} (${reason.toLowerCase().replace(/_/g, ' ')})`
      : state.toLowerCase();
  };
  $('outcomes').replaceChildren(
    totals.size === 0
      ? el('p', {}, 'No orders in the last 5 minutes.')
      : table(
          'Order outcomes',
          ['Outcome', 'Orders (5 min)', 'Last 30 s'],
          [...totals.entries()]
            .sort(([, a], [, b]) => b - a)
            .map(([outcome, count]) => [
              label(outcome),
              String(count),
              `${((recent.get(outcome) ?? 0) / 30).toFixed(1)} /s`,
            ]),
        ),
  );
}

// ---- Faults ---------------------------------------------------------------------------------------------
const faultPanels = new Map<
  string,
  { root: HTMLElement; active: HTMLElement; catalogueKey: string; activeKey: string }
>();
let ttlTimer: number | undefined;

function settingsOf(fault: Fault): string {
  const skip = new Set([
    'id',
    'type',
    'instance',
    'applies_here',
    'shared',
    'set_at',
    'set_by',
    'expires_at',
    'ttl_remaining_s',
  ]);
  return Object.entries(fault)
    .filter(([name, value]) => !skip.has(name) && value !== null && value !== undefined)
    .map(([name, value]) => `${name}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join(' ');
}

async function changeFault(description: string, call: () => Promise<unknown>): Promise<string | null> {
  try {
    await call();
    say(`${description}: done`);
    await refreshFaults();
    return null;
  } catch (error) {
    const message = `${description} refused: ${(error as Error).message}`;
    say(message);
    return message;
  }
}

function renderActive(service: string, view: ChaosView): HTMLElement {
  if (view.faults.length === 0) return el('p', { className: 'muted' }, 'No active faults.');
  return table(
    `Active faults of ${service}`,
    ['Fault', 'Settings', 'Set', 'Action'],
    view.faults.map((fault) => {
      const ttl = el('span', { className: 'ttl' }, fault.expires_at ? '' : 'no TTL');
      if (fault.expires_at) ttl.dataset.expires = fault.expires_at;
      const clear = el('button', { type: 'button' }, 'Clear');
      clear.setAttribute(
        'aria-label',
        `Clear ${fault.type} on ${service}${fault.instance ? ` (${fault.instance})` : ''}`,
      );
      clear.addEventListener('click', () => {
        const query = fault.instance ? `?instance=${encodeURIComponent(fault.instance)}` : '';
        void changeFault(`clear ${fault.type} on ${service}`, () =>
          api(`/chaos/${service}/${fault.type}${query}`, { method: 'DELETE' }),
        );
      });
      return [
        el('span', {}, el('strong', {}, fault.type), el('br'), fault.instance ?? 'every replica'),
        el('span', { className: 'settings' }, settingsOf(fault)),
        el(
          'span',
          {},
          `by ${fault.set_by} at ${new Date(fault.set_at).toLocaleTimeString()}`,
          el('br'),
          'ends: ',
          ttl,
        ),
        clear,
      ];
    }),
  );
}

function tickTtl(): void {
  for (const element of document.querySelectorAll<HTMLElement>('.ttl[data-expires]')) {
    const left = Math.max(0, Math.round((Date.parse(element.dataset.expires!) - Date.now()) / 1000));
    element.textContent = duration(left);
  }
}

function renderFaults(views: Record<string, ChaosView>): void {
  const container = $('faults-body');
  if (faultPanels.size === 0) container.replaceChildren();
  for (const service of config.services) {
    const view = views[service];
    let panel = faultPanels.get(service);
    if (!panel) {
      const active = el('div', { className: 'active-faults' });
      const root = el('div', { className: 'card fault-card' });
      root.dataset.service = service;
      faultPanels.set(service, (panel = { root, active, catalogueKey: '', activeKey: '' }));
      container.append(root);
    }
    if (!view || view.error || !Array.isArray(view.catalogue)) {
      const key = `error:${view?.error?.message ?? 'unreachable'}`;
      if (panel.catalogueKey !== key) {
        panel.catalogueKey = key;
        panel.activeKey = '';
        panel.root.replaceChildren(
          el('h3', {}, service),
          el('p', { className: 'bad' }, `GET /chaos failed: ${view?.error?.message ?? 'no answer'}`),
        );
      }
      continue;
    }
    const serviceInstances = instances
      .filter((instance) => instance.service === service)
      .map((instance) => instance.instance);
    const catalogueKey = JSON.stringify([view.catalogue, serviceInstances]);
    if (panel.catalogueKey !== catalogueKey) {
      panel.catalogueKey = catalogueKey;
      panel.activeKey = '';
      const reset = el('button', { type: 'button', className: 'danger' }, `Reset ${service}`);
      reset.addEventListener(
        'click',
        () => void changeFault(`reset ${service}`, () => api(`/chaos/${service}`, { method: 'DELETE' })),
      );
      const knobs = view.catalogue.map((knob) =>
        knobForm(service, knob, serviceInstances, (body) =>
          changeFault(`${knob.name} on ${service}`, () =>
            api(`/chaos/${service}/${knob.name}`, { method: 'POST', body }),
          ),
        ),
      );
      panel.root.replaceChildren(
        el('h3', {}, service),
        el(
          'p',
          { className: 'muted' },
          `State ${view.shared ? 'shared by every replica' : 'local to one replica'} (Redis ${view.redis}).`,
        ),
        el('h4', {}, 'Active faults'),
        panel.active,
        el('h4', {}, 'Knobs'),
        ...knobs,
        el('p', {}, reset),
      );
    }
    const activeKey = JSON.stringify(view.faults.map((fault) => ({ ...fault, ttl_remaining_s: null })));
    if (panel.activeKey !== activeKey) {
      panel.activeKey = activeKey;
      panel.active.replaceChildren(renderActive(service, view));
    }
  }
  tickTtl();
  ttlTimer ??= window.setInterval(tickTtl, 1000);
}

async function refreshFaults(): Promise<void> {
  renderFaults(await api<Record<string, ChaosView>>('/chaos'));
}

// ---- Traffic --------------------------------------------------------------------------------------------
let trafficKey = '';

function renderTraffic(state: TrafficState | null, problem: string | null): void {
  const body = $('traffic-body');
  if (!state) {
    const key = `none:${problem}`;
    if (trafficKey !== key) {
      trafficKey = key;
      body.replaceChildren(
        el(
          'p',
          {},
          `The traffic generator does not answer (${problem ?? 'not configured'}). Start it with npm start -- --traffic.`,
        ),
      );
    }
    return;
  }
  const measured = state.measured;
  const summary = el(
    'p',
    { className: 'traffic-state' },
    `${state.running ? 'Running' : 'Paused'} at ${state.rate} journeys/s` +
      (measured
        ? ` (measured: ${measured.journeys_per_second.toFixed(1)}/s finished, ${measured.failed_per_second.toFixed(1)}/s failed).`
        : '.'),
  );
  const key = JSON.stringify([Object.keys(state.mix ?? {}), state.max_rate]);
  if (trafficKey === key) {
    body.querySelector('.traffic-state')?.replaceWith(summary);
    return;
  }
  trafficKey = key;
  const toggle = (action: 'start' | 'stop', text: string) => {
    const button = el('button', { type: 'button' }, text);
    button.addEventListener('click', () => void trafficChange(`traffic ${action}`, `/traffic/${action}`));
    return button;
  };
  const rateForm = el('form', { className: 'inline' });
  rateForm.setAttribute('aria-label', 'Traffic rate');
  const rateInput = el('input', {
    type: 'number',
    id: 'traffic-rate',
    min: '0',
    max: String(state.max_rate ?? 200),
    step: 'any',
    required: true,
  });
  rateInput.value = String(state.rate ?? '');
  rateForm.append(
    el('label', { htmlFor: 'traffic-rate' }, `Rate (journeys/s, 0–${state.max_rate ?? 200})`),
    rateInput,
    el('button', { type: 'submit' }, 'Set rate'),
  );
  rateForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!rateForm.reportValidity()) return;
    void trafficChange('traffic rate', '/traffic/rate', { rate: Number(rateInput.value) });
  });
  const mixForm = el('form', { className: 'mix' });
  mixForm.setAttribute('aria-label', 'Traffic mix');
  const inputs = Object.entries(state.mix ?? {}).map(([journey, weight]) => {
    const input = el('input', {
      type: 'number',
      id: `mix-${journey}`,
      min: '0',
      max: '1000',
      step: 'any',
      required: true,
    });
    input.value = String(weight);
    input.dataset.journey = journey;
    return el('div', { className: 'field' }, el('label', { htmlFor: input.id }, journey), input);
  });
  mixForm.append(
    el('p', {}, 'Mix (relative weights, 0–1000):'),
    ...inputs,
    el('button', { type: 'submit' }, 'Set mix'),
  );
  mixForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!mixForm.reportValidity()) return;
    const mix = Object.fromEntries(
      [...mixForm.querySelectorAll<HTMLInputElement>('input[data-journey]')].map((input) => [
        input.dataset.journey!,
        Number(input.value),
      ]),
    );
    void trafficChange('traffic mix', '/traffic/mix', { mix });
  });
  body.replaceChildren(
    summary,
    el('p', { className: 'buttons' }, toggle('start', 'Start traffic'), toggle('stop', 'Pause traffic')),
    rateForm,
    mixForm,
  );
}

async function trafficChange(description: string, path: string, body?: unknown): Promise<void> {
  try {
    const state = await api<TrafficState>(path, { method: 'POST', body });
    say(`${description}: done`);
    renderTraffic(state, null);
  } catch (error) {
    say(`${description} refused: ${(error as Error).message}`);
  }
}

// ---- Experiments ----------------------------------------------------------------------------------------
function grafanaLink(from: number, to: number | string, text: string): HTMLElement {
  const link = el(
    'a',
    { href: `${config.grafana_url}/d/fd-service-overview?orgId=1&from=${from}&to=${to}` },
    text,
  );
  link.rel = 'noopener';
  link.target = '_blank';
  return link;
}

function resultLink(run: string, file: string): HTMLAnchorElement {
  const link = el('a', { href: `/results/${encodeURIComponent(run)}/${file}` }, file);
  // With a key (a non-loopback browser) the report is fetched with it and shown from memory.
  link.addEventListener('click', (event) => {
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (!key) return;
    event.preventDefault();
    void fetch(link.href, { headers: { 'x-chaos-key': key } })
      .then((response) => response.blob())
      .then((blob) => window.open(URL.createObjectURL(blob), '_blank', 'noopener'));
  });
  return link;
}

async function refreshExperiments(): Promise<void> {
  const { runs } = await api<{ runs: Run[] }>('/experiments');
  $('experiments-body').replaceChildren(
    runs.length === 0
      ? el('p', {}, 'No runs under results/ yet (npm run experiment -- <name>).')
      : table(
          'Experiment runs',
          ['Run', 'Verdict', 'Started', 'Reports', ...(config.grafana_url ? ['Grafana'] : [])],
          runs.map((run) => [
            run.title ?? run.name,
            el(
              'span',
              {
                className: run.passed ? 'ok' : run.passed === false ? 'bad' : 'muted',
                title: run.reasons.join('; '),
              },
              run.status,
            ),
            run.started_at ? new Date(run.started_at).toLocaleString() : '–',
            el('span', { className: 'links' }, ...run.reports.map((file) => resultLink(run.run, file))),
            ...(config.grafana_url && run.from && run.to
              ? [grafanaLink(run.from, run.to, 'time range')]
              : []),
          ]),
        ),
  );
}

// ---- Polling --------------------------------------------------------------------------------------------
async function poll(): Promise<void> {
  const results = await Promise.allSettled([
    api<{ instances: Instance[] }>('/overview').then((overview) => {
      instances = overview.instances;
      renderServices();
    }),
    api<{ services: Record<string, Point[]> }>('/metrics').then((metrics) => renderCharts(metrics.services)),
    refreshFaults(),
    config.traffic
      ? api<TrafficState>('/traffic').then(
          (state) => renderTraffic(state, null),
          (error: Error) => renderTraffic(null, error.message),
        )
      : Promise.resolve(renderTraffic(null, 'TRAFFIC_URL=off')),
  ]);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed && failed.status === 'rejected' && status.dataset.lastError !== String(failed.reason)) {
    status.dataset.lastError = String(failed.reason);
    say(`Some panels could not refresh: ${(failed.reason as Error).message}`);
  } else if (!failed) {
    delete status.dataset.lastError;
  }
}

let polling = false;
let keyFormReady = false;

async function start(): Promise<void> {
  if (!keyFormReady) {
    keyFormReady = true;
    $('key-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = $<HTMLInputElement>('key-input');
      if (!input.reportValidity()) return;
      sessionStorage.setItem(KEY_STORAGE, input.value);
      input.value = '';
      $('key-form').hidden = true;
      say('Key stored for this tab; reloading the panels.');
      void start();
    });
  }
  try {
    config = await api<Config>('/config');
  } catch (error) {
    say(`The console cannot read its configuration: ${(error as Error).message}`);
    return;
  }
  if (config.grafana_url)
    $('grafana-live').replaceChildren(
      grafanaLink(Date.now() - WINDOW_MS, 'now', 'Open the service overview in Grafana (last 5 minutes)'),
    );
  $('reset-all').onclick = () =>
    void changeFault('reset all services', () => api('/chaos', { method: 'DELETE' }));
  const runAudit = () => {
    const target = $('audit');
    if (!target.hasChildNodes()) target.textContent = 'Running…';
    api<{ ok: boolean; settled?: boolean; violations?: Array<{ message: string }> }>('/audit').then(
      (audit) => {
        const violations = audit.violations ?? [];
        target.replaceChildren(
          el(
            'p',
            { className: audit.ok ? 'ok' : 'bad' },
            audit.ok ? 'No violation: stock and orders agree.' : `${violations.length} violation(s)`,
          ),
          ...(audit.settled === false
            ? [
                el(
                  'p',
                  { className: 'muted' },
                  'Orders still in flight: transient violations are expected during traffic.',
                ),
              ]
            : []),
          ...(violations.length
            ? [el('ul', {}, ...violations.slice(0, 10).map((violation) => el('li', {}, violation.message)))]
            : []),
        );
      },
      (error: Error) => (target.textContent = `The audit failed: ${error.message}`),
    );
  };
  $('audit-run').onclick = runAudit;
  await poll();
  say('Connected.');
  if (polling) return;
  polling = true;
  window.setInterval(() => void poll(), config.step_ms);
  void refreshExperiments().catch((error: Error) => say(`Experiments: ${error.message}`));
  window.setInterval(() => void refreshExperiments().catch(() => undefined), 30_000);
  // The audit status refreshes itself every 30 s (the button runs it at once).
  runAudit();
  window.setInterval(runAudit, 30_000);
}

void start();
