import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BaseEnv } from '@food-delivery/config';
import { errorBody, excludeFromLatency } from '@food-delivery/http';
import { activeTraceIds } from '@food-delivery/logging';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ChaosState } from './chaos-state';
import { ChaosTelemetry } from './chaos-telemetry';
import { coversRoute, idOf, pickDelay, roll, type Fault } from './faults';
import type { DelaySettings, ErrorSettings } from './knobs/request-faults.knob';

/** Operators must always be able to see and undo faults, and probes/scrapes must tell the truth. */
const EXEMPT_PATH = /^\/(?:chaos|health|docs)|^\/(?:metrics|redoc)(?:\/|$)/;

export function isChaosExempt(path: string): boolean {
  return EXEMPT_PATH.test(path);
}

/**
 * Applies the request-level knobs (delay, error) in a Fastify onRequest hook: before guards, body parsing and
 * the handler, so they also hit requests that would fail auth or match no route.
 */
@Injectable()
export class ChaosHttpHook implements OnModuleInit {
  private readonly logger = new Logger('Chaos');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly state: ChaosState,
    private readonly telemetry: ChaosTelemetry,
    private readonly env: BaseEnv,
  ) {}

  /** Runs after Nest registered its middleware (pino-http), so chaos log lines carry the request context. */
  onModuleInit(): void {
    if (!this.env.CHAOS_ENABLED) return;
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (typeof fastify?.addHook !== 'function') {
      this.logger.warn('chaos: not on the Fastify adapter; the delay and error knobs will not apply');
      return;
    }
    fastify.addHook('onRequest', (request, reply, done) => {
      const delay = this.state.active<DelaySettings>('delay');
      const error = this.state.active<ErrorSettings>('error');
      // No fault on (the usual case): a plain callback, no promise per request.
      if (!delay && !error) return done();
      this.applyFaults(request, reply, delay, error).then((answered) => answered || done(), done);
    });
  }

  /** Waits out an injected delay and/or answers an injected error; true when the request was answered. */
  private async applyFaults(
    request: FastifyRequest,
    reply: FastifyReply,
    delay: Fault<DelaySettings> | null,
    error: Fault<ErrorSettings> | null,
  ): Promise<boolean> {
    const queryAt = request.url.indexOf('?');
    const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
    // The route template also counts: a percent-encoded path could otherwise dodge the exemption.
    const template = request.routeOptions?.url;
    if (isChaosExempt(path) || (template !== undefined && isChaosExempt(template))) return false;

    if (delay && coversRoute(delay, path, template) && roll(delay.percent)) {
      const ms = pickDelay(delay);
      if (ms > 0) {
        this.telemetry.injected(
          'delay',
          { delay_ms: ms, fault: idOf(delay) },
          `delayed ${request.method} ${path} by ${ms}ms`,
          { req_id: String(request.id) },
        );
        void reply.header('x-chaos-injected', `delay;ms=${ms}`);
        // Not the service's own latency: admission control must not shrink its limit for it.
        excludeFromLatency(request.raw);
        // A timer, not a busy wait: other requests keep flowing. Ends early if the client goes away.
        await this.state.sleep(ms, reply.raw);
      }
    }

    if (error && coversRoute(error, path, template) && roll(error.percent)) {
      this.telemetry.injected(
        'error',
        { status: error.status, percent: error.percent, fault: idOf(error) },
        `answered ${request.method} ${path} with an injected ${error.status}`,
        { req_id: String(request.id) },
      );
      const body = errorBody(
        error.status,
        'CHAOS_INJECTED',
        `Injected failure (chaos: error on ${error.percent}% of requests)`,
        activeTraceIds().trace_id ?? String(request.id),
      );
      void reply
        .code(error.status)
        .header('content-type', 'application/json; charset=utf-8')
        .header('x-chaos-injected', `error;status=${error.status}`)
        .send(body);
      return true;
    }
    return false;
  }
}
