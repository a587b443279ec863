/**
 * The shape of an experiment, in the spirit of Chaos Toolkit: a steady-state hypothesis (probes with tolerances),
 * a method (an open-arrival-rate load profile plus faults at given times) and rollbacks that always run.
 * Everything here is plain data, so a definition can be a TypeScript module or a JSON file.
 */

/** The windows of a run. `recovery` is the grace period right after the rollbacks; it is shown but not judged. */
export type Phase = 'before' | 'during' | 'recovery' | 'after';
export type JudgedPhase = 'before' | 'during' | 'after';
export const JUDGED_PHASES: readonly JudgedPhase[] = ['before', 'during', 'after'];

export type ServiceName = 'user' | 'restaurant' | 'order';
/**
 * A knob of `POST /chaos/<knob>`: whatever the service lists in `GET /chaos` → `knobs` (the services own their
 * knobs; a knob the target lacks fails the run with the service's 404).
 */
export type ChaosKnob = string;

/** Processes an own stack (`--start-stack`) can stop, kill and start again; `redis` is the TCP proxy in front of Redis. */
export type ProcessName =
  'user-1' | 'restaurant-1' | 'restaurant-2' | 'order-1' | 'order-2' | 'redis' | 'gateway';

/** A value for every judged phase, or per phase (a phase left out is not judged by this probe). */
export type Tolerance<T> = T | Partial<Record<JudgedPhase, T>>;

/** Expected share with a statistical allowance: |observed − share| ≤ max(sigmas·√(p(1−p)/n), floor). */
export interface ExpectedShare {
  share: number;
  /** Binomial standard deviations allowed (default 4). */
  sigmas?: number;
  /** Smallest allowance, for tiny or extreme shares (default 0.02). */
  floor?: number;
}

/** Which samples a statistical probe looks at. */
export interface SampleFilter {
  /** HTTP operation, e.g. "POST /orders". */
  op?: string;
  /** Load stream name (see `LoadStream.name`). */
  stream?: string;
  /** Outcome, e.g. "HIT" (X-Cache) or "CONFIRMED". */
  outcome?: string;
}

interface ProbeBase {
  name: string;
  /** Skip (and say so) when the run could not reset stock, e.g. no admin key against a running system. */
  needsStockReset?: boolean;
}

export type Probe = ProbeBase &
  (
    | ({
        type: 'latency';
        percentile: number;
        maxMs?: Tolerance<number>;
        minMs?: Tolerance<number>;
      } & SampleFilter)
    | ({ type: 'error-rate'; max: Tolerance<number> } & SampleFilter)
    | ({
        type: 'status-share';
        statuses: number[];
        min?: Tolerance<number>;
        max?: Tolerance<number>;
        expect?: Tolerance<ExpectedShare>;
      } & SampleFilter)
    | ({
        type: 'outcome-share';
        outcomes: string[];
        min?: Tolerance<number>;
        max?: Tolerance<number>;
        expect?: Tolerance<ExpectedShare>;
      } & SampleFilter)
    /** Completed (not dropped, answered) share of the offered arrivals. */
    | ({ type: 'throughput'; minShare: Tolerance<number> } & SampleFilter)
    /** Point-in-time: `GET /orders/audit` (settled and ok) or the restaurant's `GET /inventory/audit` (ok). */
    | { type: 'audit'; scope: 'orders' | 'inventory'; phases?: JudgedPhase[] }
    /** Point-in-time, after: these menus hold exactly the stock they had before the load started. */
    | { type: 'stock-restored'; menus: number[] }
    /** Point-in-time: a service endpoint answers with this status (e.g. readiness during an outage). */
    | { type: 'http'; service: ServiceName; path: string; expectStatus: number; phases?: JudgedPhase[] }
  );

export type ProbeType = Probe['type'];
export const INSTANT_PROBES: readonly ProbeType[] = ['audit', 'stock-restored', 'http'];

/** What one arrival of a load stream does. Each HTTP call it makes is one sample. */
export type Workload =
  /** POST /orders on a random menu of the list (Idempotency-Key on every order). */
  | { type: 'order'; menus: number[]; quantity?: number }
  /** Spec scenario 5: GET /menus → POST /orders → GET /orders/{id}; `maxItems` (default 1) distinct menus per order. */
  | { type: 'order-flow'; menus: number[]; maxItems?: number }
  /** Spec scenario 3: POST /orders → cancel (200) → cancel again (409, nothing restored twice). */
  | { type: 'cancel-reorder'; menus: number[]; quantity?: number }
  /** GET /menus and GET /menus/{id} (X-Cache). */
  | { type: 'read-menus'; menus: number[] }
  /** GET /orders/{id} over a pool of orders placed before the run (X-Cache). */
  | { type: 'read-order'; pool: number; menus: number[] }
  /** POST /login of a pool user. */
  | { type: 'login' }
  /** POST /signup of a new user, then POST /login; the session joins the pool (at most `maxSessions`). */
  | { type: 'signup'; maxSessions: number }
  /** One malformed or unauthorised call that must get its 4xx (never a 500): see BAD_INPUT. */
  | { type: 'bad-input' };

export interface LoadStream {
  name: string;
  /** Arrivals per second (open model: started on schedule whatever the responses do), or per phase (0 = off). */
  rate: Tolerance<number>;
  work: Workload;
}

export type Fault =
  /** POST /chaos/<knob> on a service (all replicas, or one `instance`). Reverted with DELETE /chaos/<knob>. */
  | { kind: 'chaos'; service: ServiceName; knob: ChaosKnob; body: Record<string, unknown>; instance?: string }
  /** SIGKILL a process of the own stack (crash mid-flow). Reverted by starting it again. */
  | { kind: 'kill'; target: ProcessName }
  /** Stop a process gracefully, or cut Redis (the TCP proxy). Reverted by starting it again. */
  | { kind: 'stop'; target: ProcessName };

export interface MethodStep {
  /** Seconds after the start of the `during` phase (scaled by --duration-scale). */
  at: number;
  /** Seconds until the fault is reverted (scaled); default: until the end of `during`. */
  duration?: number;
  name?: string;
  fault: Fault;
}

export type Rollback = { kind: 'chaos-reset'; service: ServiceName } | { kind: 'start'; target: ProcessName };

/** What an own stack (`--start-stack`) must contain for this experiment. */
export interface StackSpec {
  orderReplicas?: 1 | 2;
  restaurantReplicas?: 1 | 2;
  /** Put the NGINX gateway in front and send the load through it. */
  gateway?: boolean;
  /** The order service reaches the restaurant through the gateway (so restaurant replicas share its traffic). */
  orderViaGateway?: boolean;
  env?: Partial<Record<ServiceName, Record<string, string>>>;
}

export interface Experiment {
  name: string;
  title: string;
  description?: string;
  /** Spec scenario number (1-6) when this is one of the original load-test scenarios. */
  specScenario?: number;
  /** Needs process actions or replicas that only an own stack has. */
  requiresStack?: boolean;
  stack?: StackSpec;
  setup?: {
    /** Accounts signed up (and logged in) before the run; arrivals pick one at random. Default 8. */
    users?: number;
    /** Stock resets through POST /admin/stock/reset (needs the admin key; skipped with a warning otherwise). */
    stock?: { menus: number[]; stock: number }[];
  };
  /**
   * Phase lengths in seconds (scaled by --duration-scale). `recoveryGraceS`: unjudged wall-clock seconds after the
   * rollbacks for breakers and retries to settle; `minDuringS`: the method never runs shorter (wall-clock).
   */
  phases: { before: number; during: number; after: number; recoveryGraceS?: number; minDuringS?: number };
  load: {
    streams: LoadStream[];
    /** In-flight arrivals allowed; beyond it an arrival is dropped and counted. Default 256. */
    maxInFlight?: number;
    /** Client timeout of one HTTP call. Default 15000. */
    timeoutMs?: number;
  };
  hypothesis: { title: string; probes: Probe[] };
  method: MethodStep[];
  rollbacks?: Rollback[];
  /** How long the after-phase audit may wait for every order to settle (not scaled). Default 60. */
  settleTimeoutS?: number;
  /** Seconds between point-in-time probes during the `during` phase (not scaled). Default 2. */
  probeIntervalS?: number;
}

/** What a definition can adapt to. */
export interface ExperimentContext {
  durationScale: number;
  /** `--param key=value`, numbers parsed. */
  param<T extends string | number | boolean>(name: string, fallback: T): T;
}

export type ExperimentDefinition = Experiment | ((context: ExperimentContext) => Experiment);

/** Identity helper that type-checks a definition. */
export function defineExperiment<T extends ExperimentDefinition>(definition: T): T {
  return definition;
}

export function resolveDefinition(definition: ExperimentDefinition, context: ExperimentContext): Experiment {
  return typeof definition === 'function' ? definition(context) : definition;
}

/**
 * Stretches every latency bound (`maxMs`) by `factor`: for a machine that is known to be busy (CI runs the
 * experiments beside other suites on two cores), where what is under test is the behaviour, not the speed.
 * Shares, error rates and the stock audits stay exactly as defined.
 */
export function stretchLatencyBounds(experiment: Experiment, factor: number): Experiment {
  if (factor === 1) return experiment;
  const stretch = (tolerance: Tolerance<number> | undefined): Tolerance<number> | undefined => {
    if (tolerance === undefined) return undefined;
    if (typeof tolerance === 'number') return tolerance * factor;
    return Object.fromEntries(Object.entries(tolerance).map(([phase, value]) => [phase, value * factor]));
  };
  return {
    ...experiment,
    hypothesis: {
      ...experiment.hypothesis,
      probes: experiment.hypothesis.probes.map((probe) =>
        probe.type === 'latency' ? { ...probe, maxMs: stretch(probe.maxMs) } : probe,
      ),
    },
  };
}

/** A tolerance's value for a phase, or undefined when the phase is not judged by it. */
export function forPhase<T>(tolerance: Tolerance<T> | undefined, phase: JudgedPhase): T | undefined {
  if (tolerance === undefined) return undefined;
  if (isPerPhase(tolerance)) return tolerance[phase];
  return tolerance;
}

function isPerPhase<T>(value: Tolerance<T>): value is Partial<Record<JudgedPhase, T>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => (JUDGED_PHASES as readonly string[]).includes(key));
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'chaos': {
      const settings = Object.entries(fault.body)
        .filter(([key]) => key !== 'ttl_s')
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .join(' ');
      return `${fault.service} ${fault.knob} ${settings}${fault.instance ? ` @${fault.instance}` : ''}`;
    }
    case 'kill':
      return `kill ${fault.target}`;
    case 'stop':
      return fault.target === 'redis' ? 'Redis down' : `stop ${fault.target}`;
  }
}

const SERVICES: readonly ServiceName[] = ['user', 'restaurant', 'order'];
const KNOB_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const PROCESSES: readonly ProcessName[] = [
  'user-1',
  'restaurant-1',
  'restaurant-2',
  'order-1',
  'order-2',
  'redis',
  'gateway',
];
const WORKLOADS = [
  'order',
  'order-flow',
  'cancel-reorder',
  'read-menus',
  'read-order',
  'login',
  'signup',
  'bad-input',
];
const PROBES = [
  'latency',
  'error-rate',
  'status-share',
  'outcome-share',
  'throughput',
  'audit',
  'stock-restored',
  'http',
];

/**
 * Checks a definition (a JSON file is not type-checked) and lists every problem, so a typo fails before any
 * load is sent.
 */
export function validateExperiment(value: unknown): string[] {
  const problems: string[] = [];
  const need = (condition: boolean, message: string) => {
    if (!condition) problems.push(message);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (!isObject(value)) return ['the definition must be an object'];
  const exp = value as Partial<Experiment> & Record<string, unknown>;
  need(
    typeof exp.name === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(exp.name),
    'name: lowercase words joined by "-"',
  );
  need(typeof exp.title === 'string' && exp.title.length > 0, 'title: required');
  const phases = exp.phases;
  need(
    isObject(phases) && positive(phases.before) && positive(phases.during) && positive(phases.after),
    'phases: before, during and after must be positive numbers of seconds',
  );
  const load = exp.load;
  if (!isObject(load) || !Array.isArray(load.streams) || load.streams.length === 0) {
    problems.push('load.streams: at least one stream');
  } else {
    const names = new Set<string>();
    load.streams.forEach((stream: unknown, index) => {
      if (!isObject(stream)) return problems.push(`load.streams[${index}]: must be an object`);
      need(
        typeof stream.name === 'string' && !names.has(stream.name),
        `load.streams[${index}].name: unique name`,
      );
      names.add(String(stream.name));
      const rate = stream.rate;
      need(
        typeof rate === 'number'
          ? rate >= 0
          : isObject(rate) && Object.values(rate).every((r) => typeof r === 'number' && r >= 0),
        `load.streams[${index}].rate: a number ≥ 0 or {before, during, after}`,
      );
      need(
        isObject(stream.work) && WORKLOADS.includes(String(stream.work.type)),
        `load.streams[${index}].work.type: one of ${WORKLOADS.join(', ')}`,
      );
      if (isObject(stream.work) && 'menus' in stream.work) {
        const menus = stream.work.menus;
        need(
          Array.isArray(menus) &&
            menus.length > 0 &&
            menus.every((m) => Number.isInteger(m) && (m as number) > 0),
          `load.streams[${index}].work.menus: menu ids`,
        );
      }
    });
  }
  const hypothesis = exp.hypothesis;
  if (!isObject(hypothesis) || !Array.isArray(hypothesis.probes) || hypothesis.probes.length === 0) {
    problems.push('hypothesis.probes: at least one probe');
  } else {
    hypothesis.probes.forEach((probe: unknown, index) => {
      if (!isObject(probe)) return problems.push(`hypothesis.probes[${index}]: must be an object`);
      need(typeof probe.name === 'string', `hypothesis.probes[${index}].name: required`);
      need(
        PROBES.includes(String(probe.type)),
        `hypothesis.probes[${index}].type: one of ${PROBES.join(', ')}`,
      );
      if (probe.type === 'latency') {
        need(
          typeof probe.percentile === 'number' && probe.percentile > 0 && probe.percentile <= 100,
          `hypothesis.probes[${index}].percentile: (0, 100]`,
        );
        need(
          probe.maxMs !== undefined || probe.minMs !== undefined,
          `hypothesis.probes[${index}]: maxMs or minMs`,
        );
      }
      if (probe.type === 'status-share' || probe.type === 'outcome-share') {
        need(
          probe.min !== undefined || probe.max !== undefined || probe.expect !== undefined,
          `hypothesis.probes[${index}]: min, max or expect`,
        );
      }
      if (probe.type === 'audit') {
        need(
          probe.scope === 'orders' || probe.scope === 'inventory',
          `hypothesis.probes[${index}].scope: orders or inventory`,
        );
      }
      if (probe.type === 'http') {
        need(
          SERVICES.includes(probe.service as ServiceName),
          `hypothesis.probes[${index}].service: ${SERVICES.join(', ')}`,
        );
      }
    });
  }
  if (!Array.isArray(exp.method)) {
    problems.push('method: a list of steps (may be empty)');
  } else {
    exp.method.forEach((step: unknown, index) => {
      if (!isObject(step)) return problems.push(`method[${index}]: must be an object`);
      need(
        typeof step.at === 'number' && step.at >= 0,
        `method[${index}].at: seconds ≥ 0 into the during phase`,
      );
      need(step.duration === undefined || positive(step.duration), `method[${index}].duration: seconds > 0`);
      const fault = step.fault;
      if (!isObject(fault)) return problems.push(`method[${index}].fault: required`);
      if (fault.kind === 'chaos') {
        need(
          SERVICES.includes(fault.service as ServiceName),
          `method[${index}].fault.service: ${SERVICES.join(', ')}`,
        );
        need(
          typeof fault.knob === 'string' && KNOB_NAME.test(fault.knob),
          `method[${index}].fault.knob: a knob name of GET /chaos (lower case, e.g. "delay")`,
        );
        need(isObject(fault.body), `method[${index}].fault.body: the knob's JSON body`);
      } else if (fault.kind === 'kill' || fault.kind === 'stop') {
        need(
          PROCESSES.includes(fault.target as ProcessName),
          `method[${index}].fault.target: ${PROCESSES.join(', ')}`,
        );
      } else {
        problems.push(`method[${index}].fault.kind: chaos, kill or stop`);
      }
    });
  }
  if (exp.rollbacks !== undefined) {
    if (!Array.isArray(exp.rollbacks)) problems.push('rollbacks: a list');
    else
      exp.rollbacks.forEach((rollback: unknown, index) => {
        const ok =
          isObject(rollback) &&
          ((rollback.kind === 'chaos-reset' && SERVICES.includes(rollback.service as ServiceName)) ||
            (rollback.kind === 'start' && PROCESSES.includes(rollback.target as ProcessName)));
        need(ok, `rollbacks[${index}]: {kind: "chaos-reset", service} or {kind: "start", target}`);
      });
  }
  return problems;
}

/** Whether the experiment can only run on an own stack (process faults, or declared so). */
export function needsOwnStack(experiment: Experiment): boolean {
  return (
    experiment.requiresStack === true ||
    experiment.method.some((step) => step.fault.kind !== 'chaos') ||
    (experiment.rollbacks ?? []).some((rollback) => rollback.kind === 'start')
  );
}
