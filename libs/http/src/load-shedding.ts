import { Logger } from '@nestjs/common';
import { skipRequestLine } from '@food-delivery/logging';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, register } from 'prom-client';

/** Probes and scrapes answer whatever the load: an orchestrator must never restart a service for being busy. */
const EXEMPT_PATH = /^\/(health\/|metrics(\?|$))/;

export interface LoadSheddingOptions {
  /** Requests handled at once; one more is refused with 503 at once. 0: no limit. */
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
      help: 'Requests refused with 503 OVERLOADED before any work, by reason (in_flight, event_loop_delay)',
      labelNames: ['reason'],
    }),
);
const inFlightGauge = metric(
  'http_requests_in_flight',
  () =>
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'Requests being handled (probes and scrapes not counted)',
    }),
);

/**
 * Bounds the work a service takes on: beyond `maxInFlight` concurrent requests, or while the event loop lags
 * more than `maxEventLoopDelayMs`, a request is answered 503 OVERLOADED with Retry-After before any routing,
 * validation or I/O, so excess load costs almost nothing and the accepted requests keep a bounded latency.
 * Health and metrics routes are never refused.
 */
export function installLoadShedding(fastify: FastifyInstance, options: LoadSheddingOptions): void {
  if (options.maxInFlight <= 0 && options.maxEventLoopDelayMs <= 0) return;
  const logger = new Logger('LoadShedding');
  let inFlight = 0;
  let lagMs = 0;
  let lastWarning = 0;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const sampler = setInterval(() => {
    // The histogram's resolution is the sampling timer itself: subtract it, as @fastify/under-pressure does.
    lagMs = Number.isNaN(delay.mean) ? 0 : Math.max(0, delay.mean / 1e6 - 10);
    delay.reset();
  }, 500);
  sampler.unref();
  fastify.addHook('onClose', (_instance, done) => {
    clearInterval(sampler);
    delay.disable();
    done();
  });

  const refuse = (request: FastifyRequest, reply: FastifyReply, reason: ShedReason) => {
    shed.inc({ reason });
    // Counted above and warned about below: no request line each, at thousands per second.
    skipRequestLine(request.raw);
    const now = Date.now();
    if (now - lastWarning > 5000) {
      lastWarning = now;
      logger.warn(
        { event: 'http.shedding', reason, in_flight: inFlight, event_loop_delay_ms: Math.round(lagMs) },
        `Overloaded (${reason}): refusing requests with 503`,
      );
    }
    return reply
      .code(503)
      .header('retry-after', '1')
      .send({
        statusCode: 503,
        code: 'OVERLOADED',
        message: 'The service is overloaded, retry shortly',
        traceId: String(request.id ?? ''),
      });
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT_PATH.test(request.url)) return done();
    if (options.maxInFlight > 0 && inFlight >= options.maxInFlight)
      return refuse(request, reply, 'in_flight');
    if (options.maxEventLoopDelayMs > 0 && lagMs > options.maxEventLoopDelayMs) {
      return refuse(request, reply, 'event_loop_delay');
    }
    inFlight += 1;
    inFlightGauge.set(inFlight);
    // 'close' fires once the response is sent or the client went away, whichever comes first.
    reply.raw.once('close', () => {
      inFlight -= 1;
      inFlightGauge.set(inFlight);
    });
    done();
  });
}
