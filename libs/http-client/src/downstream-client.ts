import { Logger } from '@nestjs/common';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ExponentialBackoff,
  handleWhen,
  retry,
  SamplingBreaker,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import { tracedHistogram } from '@food-delivery/observability';
import { Counter, Gauge, register } from 'prom-client';
import { Agent, request as undiciRequest } from 'undici';
import { DependencyError } from './dependency-error';

export interface DownstreamOptions {
  /** Name used in errors, logs and metrics, e.g. "user-service". */
  name: string;
  baseUrl: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Extra attempts for idempotent calls (0 = no retry). */
  retries?: number;
  /** Open the circuit when at least this share of calls fail within `breakerWindowMs`… */
  breakerThreshold?: number;
  breakerWindowMs?: number;
  /** …with at least this many calls per second in the window (so a few failures at low traffic do not trip it). */
  breakerMinimumRps?: number;
  /** How long the circuit stays open before one trial call. */
  halfOpenAfterMs?: number;
  /** Keep-alive connections to the dependency. */
  connections?: number;
  /**
   * Fault injection at the point the call leaves the process (the chaos `dependency` knob): null, or a promise
   * of how this attempt fails. Applied inside the attempt, so timeouts, retries and the breaker see it.
   */
  faults?: (signal: AbortSignal, timeoutMs: number) => Promise<InjectedFault> | null;
}

/** An injected failure of one attempt: an HTTP error status, a connection reset, or no answer (timeout). */
export type InjectedFault =
  null | { mode: 'error'; status: number } | { mode: 'reset' } | { mode: 'timeout' };

export interface DownstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string | undefined>;
  /** Safe to send twice (reads, or writes keyed by an idempotency key): enables retries with backoff. */
  idempotent?: boolean;
}

export interface DownstreamResponse<T> {
  status: number;
  body: T;
}

/** A 5xx answer: retried when idempotent, counted by the breaker, surfaced as 502 in the end. */
class ServerError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const isNetworkError = (error: unknown) => NETWORK_CODES.has((error as { code?: string })?.code ?? '');
const isTimeout = (error: unknown) =>
  error instanceof TaskCancelledError ||
  ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ABORT_ERR'].includes(
    (error as { code?: string })?.code ?? '',
  ) ||
  (error as Error)?.name === 'AbortError';

function metric<T>(name: string, create: () => T): T {
  // Several apps may live in one process (tests, replicas): share the series instead of registering twice.
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

// With trace-id exemplars: a slow dependency on a dashboard links to a trace of one slow call.
const durations = tracedHistogram({
  name: 'http_client_request_duration_seconds',
  help: 'Outbound HTTP calls to other services, by dependency and outcome (one observation per attempt)',
  labelNames: ['dependency', 'method', 'outcome'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
});
const breakerState = metric(
  'circuit_breaker_state',
  () =>
    new Gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breaker per dependency: 0 closed, 1 half-open, 2 open',
      labelNames: ['dependency'],
    }),
);
const rejected = metric(
  'http_client_circuit_rejections_total',
  () =>
    new Counter({
      name: 'http_client_circuit_rejections_total',
      help: 'Calls answered at once because the circuit was open',
      labelNames: ['dependency'],
    }),
);

const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/**
 * One downstream service: pooled keep-alive connections (undici), a timeout on every attempt, retries with
 * exponential backoff and jitter for idempotent calls only, and a circuit breaker shared by all calls.
 * 2xx–4xx answers are returned to the caller; failures become a DependencyError (502/503/504).
 */
export class DownstreamClient {
  private readonly logger: Logger;
  private readonly agent: Agent;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly idempotentPolicy: IPolicy;
  private readonly oncePolicy: IPolicy;
  private readonly halfOpenAfterMs: number;

  constructor(readonly options: DownstreamOptions) {
    this.logger = new Logger(`Downstream:${options.name}`);
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 5000;
    this.agent = new Agent({
      connections: options.connections ?? 64,
      keepAliveTimeout: 30_000,
      connect: { timeout: Math.min(options.timeoutMs, 2000) },
    });
    this.breaker = circuitBreaker(
      handleWhen((error) => !(error instanceof BrokenCircuitError)),
      {
        halfOpenAfter: this.halfOpenAfterMs,
        breaker: new SamplingBreaker({
          threshold: options.breakerThreshold ?? 0.5,
          duration: options.breakerWindowMs ?? 10_000,
          minimumRps: options.breakerMinimumRps ?? 5,
        }),
      },
    );
    breakerState.set({ dependency: options.name }, 0);
    this.breaker.onStateChange((state) => {
      breakerState.set({ dependency: options.name }, STATE_VALUE[state]);
      this.logger.warn(
        { event: 'circuit.state_changed', dependency: options.name, state: CircuitState[state] },
        `Circuit ${CircuitState[state]}`,
      );
    });
    const retries = retry(
      handleWhen((error) => !(error instanceof BrokenCircuitError)),
      {
        maxAttempts: options.retries ?? 2,
        backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }),
      },
    );
    // abortOnReturn: false: an attempt has read its whole body when it returns, so there is nothing to abort, and
    // aborting every finished call costs a DOMException (a stack trace) per request.
    const attemptTimeout = timeout(options.timeoutMs, {
      strategy: TimeoutStrategy.Aggressive,
      abortOnReturn: false,
    });
    this.idempotentPolicy = wrap(retries, this.breaker, attemptTimeout);
    this.oncePolicy = wrap(this.breaker, attemptTimeout);
  }

  get circuitState(): CircuitState {
    return this.breaker.state;
  }

  async request<T = unknown>(call: DownstreamRequest): Promise<DownstreamResponse<T>> {
    const policy = call.idempotent ? this.idempotentPolicy : this.oncePolicy;
    try {
      // A signal per call: cockatiel otherwise hangs every call's abort listener on one shared signal.
      return await policy.execute(
        ({ signal }) => this.attempt<T>(call, signal),
        new AbortController().signal,
      );
    } catch (error) {
      throw this.toDependencyError(error);
    }
  }

  private async attempt<T>(call: DownstreamRequest, signal: AbortSignal): Promise<DownstreamResponse<T>> {
    const started = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const injected = await this.options.faults?.(signal, this.options.timeoutMs);
      if (injected) throw this.injectedFailure(injected);
      const headers: Record<string, string> = { accept: 'application/json' };
      for (const [name, value] of Object.entries(call.headers ?? {}))
        if (value !== undefined) headers[name] = value;
      let body: string | undefined;
      if (call.body !== undefined) {
        body = JSON.stringify(call.body);
        headers['content-type'] = 'application/json';
      }
      const response = await undiciRequest(new URL(call.path, this.options.baseUrl), {
        method: call.method,
        headers,
        body,
        signal,
        dispatcher: this.agent,
      });
      const text = await response.body.text();
      const parsed = (text ? JSON.parse(text) : undefined) as T;
      outcome = `${Math.floor(response.statusCode / 100)}xx`;
      if (response.statusCode >= 500) throw new ServerError(response.statusCode, parsed);
      return { status: response.statusCode, body: parsed };
    } catch (error) {
      if (error instanceof ServerError) outcome = `${Math.floor(error.status / 100)}xx`;
      if (isTimeout(error) || signal.aborted) outcome = 'timeout';
      throw error;
    } finally {
      durations.observe(
        { dependency: this.options.name, method: call.method, outcome },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  /** The error a real failure of that kind would raise here, so every policy treats it the same. */
  private injectedFailure(fault: Exclude<InjectedFault, null>): Error {
    if (fault.mode === 'error') {
      return new ServerError(fault.status, {
        code: 'CHAOS_INJECTED',
        message: 'Injected dependency failure',
      });
    }
    if (fault.mode === 'reset')
      return Object.assign(new Error('read ECONNRESET (chaos)'), { code: 'ECONNRESET' });
    return Object.assign(new Error('The operation was aborted (chaos: no answer)'), { name: 'AbortError' });
  }

  private toDependencyError(error: unknown): unknown {
    const name = this.options.name;
    if (error instanceof BrokenCircuitError) {
      rejected.inc({ dependency: name });
      return new DependencyError(name, 'circuit_open', undefined, Math.ceil(this.halfOpenAfterMs / 1000));
    }
    if (isTimeout(error)) return new DependencyError(name, 'timeout', `after ${this.options.timeoutMs} ms`);
    if (error instanceof ServerError)
      return new DependencyError(name, 'server_error', `HTTP ${error.status}`);
    if (isNetworkError(error))
      return new DependencyError(name, 'unreachable', (error as { code?: string }).code, 1);
    if (error instanceof SyntaxError) return new DependencyError(name, 'server_error', 'invalid JSON');
    return error;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
