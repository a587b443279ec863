import { Logger } from '@nestjs/common';
import { operationalPathTest, requestIdFrom } from '@food-delivery/logging';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, register } from 'prom-client';
import { AdaptiveLimit } from './adaptive-limit';
import { errorBody } from './api-error';

/**
 * Never refused: probes and scrapes answer whatever the load (an orchestrator must never restart a service for
 * being busy), and an operator can always see and switch off a fault (/chaos), above all the one overloading it.
 * The docs are not exempt: under overload they wait their turn like any other page.
 */
export const isSheddingExempt = operationalPathTest(['health', 'metrics', 'chaos']);

export interface LoadSheddingOptions {
  /**
   * Ceiling of the adaptive concurrency limit: requests handled at once never exceed it; below it, the limit
   * follows the service's latency (AdaptiveLimit). 0: no limit.
   */
  maxInFlight: number;
  /** Mean event-loop delay (ms, sampled every 500 ms) above which new requests are refused. 0: no limit. */
  maxEventLoopDelayMs: number;
}

export type ShedReason = 'in_flight' | 'event_loop_delay';

function metric<T>(name: string, create: () => T): T {
  // Several apps may share a process (tests): one series for all of them.
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

const shed = metric(
  'http_requests_shed_total',
  () =>
    new Counter({
      name: 'http_requests_shed_total',
      help: 'Requests refused with 503 OVERLOADED before any work, by reason (in_flight: beyond the adaptive limit, event_loop_delay)',
      labelNames: ['reason'],
    }),
);
const inFlightGauge = metric(
  'http_requests_in_flight',
  () =>
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'Requests being handled (probes, scrapes and /chaos not counted)',
    }),
);
const limitGauge = metric(
  'http_requests_concurrency_limit',
  () =>
    new Gauge({
      name: 'http_requests_concurrency_limit',
      help: 'Adaptive concurrency limit: requests beyond it are refused with 503 OVERLOADED (reason in_flight)',
    }),
);

/** Requests whose time is not the service's own (an injected chaos delay): their latency teaches the limit nothing. */
const notOwnLatency = new WeakSet<IncomingMessage>();

/** Marks a request whose latency must not count (called by the chaos delay knob). */
export function excludeFromLatency(request: IncomingMessage): void {
  notOwnLatency.add(request);
}

export interface AdmissionControl {
  /** Wraps the server's request listener: refused requests never reach it. */
  wrap(handler: RequestListener): RequestListener;
  /** The limit now (for tests and logs). */
  readonly limit: number;
  close(): void;
}

/**
 * Bounds the work a service takes on: beyond the adaptive concurrency limit (at most `maxInFlight`; see
 * AdaptiveLimit), or while the event loop lags more than `maxEventLoopDelayMs`, a request is answered
 * 503 OVERLOADED with Retry-After by the Node request listener itself, before Fastify, routing, hooks, logging,
 * tracing or parsing see it, so a refusal costs a few microseconds and the requests admitted keep close to their
 * unloaded latency. Health, metrics and /chaos are never refused.
 */
export function createAdmissionControl(options: LoadSheddingOptions): AdmissionControl {
  const logger = new Logger('LoadShedding');
  const limiter = options.maxInFlight > 0 ? new AdaptiveLimit({ maxLimit: options.maxInFlight }) : null;
  let inFlight = 0;
  let lagMs = 0;
  let lastWarning = 0;
  limitGauge.set(limiter?.limit ?? 0);
  const delay = options.maxEventLoopDelayMs > 0 ? monitorEventLoopDelay({ resolution: 10 }) : null;
  delay?.enable();
  const sampler = delay
    ? setInterval(() => {
        // The histogram's resolution is the sampling timer itself: subtract it, as @fastify/under-pressure does.
        lagMs = Number.isNaN(delay.mean) ? 0 : Math.max(0, delay.mean / 1e6 - 10);
        delay.reset();
      }, 500)
    : null;
  sampler?.unref();

  const refuse = (request: IncomingMessage, response: ServerResponse, reason: ShedReason) => {
    shed.inc({ reason });
    const now = Date.now();
    // Counted above, warned about here: no request line each, at thousands per second.
    if (now - lastWarning > 5000) {
      lastWarning = now;
      logger.warn(
        {
          event: 'http.shedding',
          reason,
          in_flight: inFlight,
          limit: limiter?.limit,
          event_loop_delay_ms: Math.round(lagMs),
        },
        `Overloaded (${reason}): refusing requests with 503`,
      );
    }
    const requestId = requestIdFrom(request);
    // No trace exists yet: the request id, as the error filter does without one.
    const body = JSON.stringify(
      errorBody(503, 'OVERLOADED', 'The service is overloaded, retry shortly', requestId),
    );
    response.writeHead(503, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'retry-after': '1',
      'x-request-id': requestId,
    });
    response.end(body);
  };

  return {
    get limit() {
      return limiter?.limit ?? 0;
    },
    close() {
      if (sampler) clearInterval(sampler);
      delay?.disable();
    },
    wrap(handler) {
      if (!limiter && !delay) return handler;
      return (request, response) => {
        if (isSheddingExempt(request.url ?? '')) return handler(request, response);
        if (limiter && inFlight >= limiter.limit) return refuse(request, response, 'in_flight');
        if (delay && lagMs > options.maxEventLoopDelayMs)
          return refuse(request, response, 'event_loop_delay');
        inFlight += 1;
        inFlightGauge.set(inFlight);
        const started = performance.now();
        // 'close' fires once the response is sent or the client went away, whichever comes first.
        response.once('close', () => {
          inFlight -= 1;
          inFlightGauge.set(inFlight);
          if (!limiter || !response.writableFinished || notOwnLatency.has(request)) return;
          limiter.sample(performance.now() - started, inFlight);
          limitGauge.set(limiter.limit);
        });
        handler(request, response);
      };
    },
  };
}
