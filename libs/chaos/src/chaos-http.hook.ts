import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BaseEnv } from '@food-delivery/config';
import { errorBody, excludeFromLatency } from '@food-delivery/http';
import { activeTraceIds, operationalPathTest } from '@food-delivery/logging';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ChaosState } from './chaos-state';
import { ChaosTelemetry } from './chaos-telemetry';
import { coversRoute, idOf, pickDelay, roll, type Fault } from './faults';
import type { HangSettings } from './knobs/hang.knob';
import type { DelaySettings, ErrorSettings } from './knobs/request-faults.knob';
import { matchesRequest } from './request-targets';

/**
 * Operators must always be able to see and undo faults, probes/scrapes must tell the truth, and the docs stay
 * readable: every kind of operational path.
 */
export const isChaosExempt = operationalPathTest(['health', 'metrics', 'chaos', 'docs']);

/** Methods whose requests carry no body: a targeted fault can decide on them in onRequest (path, token). */
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/** A request the hang knob holds unanswered, and how to end it. */
interface HungRequest {
  socketClosed: () => void;
  release: () => void;
}

/**
 * Applies the request-level knobs (delay, error, hang) in Fastify hooks: onRequest, before guards, body parsing
 * and the handler, so they also hit requests that would fail auth or match no route. A delay or error with a
 * `match` waits for preHandler instead: which menu or user a request is about is in its parsed body.
 */
@Injectable()
export class ChaosHttpHook implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Chaos');
  /** Requests held by the hang knob (bounded by CHAOS_MAX_HUNG_REQUESTS), released when it ends here. */
  private readonly hung = new Set<HungRequest>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly state: ChaosState,
    private readonly telemetry: ChaosTelemetry,
    private readonly env: BaseEnv,
  ) {}

  /**
   * Adds the Fastify hooks at module init, before the app listens. Chaos log lines written during a request carry
   * its trace and span ids through the logger's mixin (libs/logging), like every other application line.
   */
  onModuleInit(): void {
    if (!this.env.CHAOS_ENABLED) return;
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (typeof fastify?.addHook !== 'function') {
      this.logger.warn('chaos: not on the Fastify adapter; the delay and error knobs will not apply');
      return;
    }
    // Held requests end with the fault: reset, clear, expiry, sync from another replica, shutdown.
    this.unsubscribe = this.state.onChange(() => {
      if (this.hung.size > 0 && (this.state.isStopping || !this.state.active('hang'))) this.releaseHung();
    });
    fastify.addHook('onRequest', (request, reply, done) => {
      const delay = this.state.active<DelaySettings>('delay');
      const error = this.state.active<ErrorSettings>('error');
      const hang = this.state.active<HangSettings>('hang');
      // No fault on (the usual case): a plain callback, no promise per request.
      if (!delay && !error && !hang) return done();
      if (hang && this.hangs(request, reply, hang)) return;
      // A targeted fault on a request with a body waits for preHandler (the body says which menus).
      const now = BODYLESS.has(request.method);
      this.applyFaults(
        request,
        reply,
        delay && (!delay.match || (now && this.matches(delay, request))) ? delay : null,
        error && (!error.match || (now && this.matches(error, request))) ? error : null,
      ).then((answered) => answered || done(), done);
    });
    // Targeted (match) delay and error on requests with a body: parsed by now, guards and handler still ahead.
    fastify.addHook('preHandler', (request, reply, done) => {
      const delay = this.state.active<DelaySettings>('delay');
      const error = this.state.active<ErrorSettings>('error');
      if ((!delay?.match && !error?.match) || BODYLESS.has(request.method)) return done();
      this.applyFaults(
        request,
        reply,
        delay?.match && this.matches(delay, request) ? delay : null,
        error?.match && this.matches(error, request) ? error : null,
      ).then((answered) => answered || done(), done);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.releaseHung();
  }

  /** The hang knob: true when this request is now held (never answered until the fault ends). */
  private hangs(request: FastifyRequest, reply: FastifyReply, hang: Fault<HangSettings>): boolean {
    const path = this.pathOf(request);
    const template = request.routeOptions?.url;
    if (isChaosExempt(path) || (template !== undefined && isChaosExempt(template))) return false;
    if (!coversRoute(hang, path, template) || !roll(hang.percent)) return false;
    const socket = request.raw.socket;
    if (this.hung.size >= this.env.CHAOS_MAX_HUNG_REQUESTS) {
      // Bounded: beyond the cap the connection is reset rather than held (the caller still gets no answer).
      this.telemetry.injected(
        'hang',
        { fault: idOf(hang), held: this.hung.size, capped: 'true' },
        `reset ${request.method} ${path}: ${this.hung.size} requests already held (CHAOS_MAX_HUNG_REQUESTS)`,
        { req_id: String(request.id) },
      );
      socket.destroy();
      return true;
    }
    this.telemetry.injected(
      'hang',
      { fault: idOf(hang), held: this.hung.size + 1 },
      `holding ${request.method} ${path} unanswered (hang)`,
      { req_id: String(request.id) },
    );
    // Not the service's own latency: admission control must not shrink its limit for it.
    excludeFromLatency(request.raw);
    const entry: HungRequest = {
      socketClosed: () => this.hung.delete(entry),
      // The fault ended: the connection is closed without an answer, as a hung server's would be when it dies.
      release: () => {
        socket.off('close', entry.socketClosed);
        this.hung.delete(entry);
        if (!reply.sent) reply.hijack();
        socket.destroy();
      },
    };
    socket.once('close', entry.socketClosed);
    this.hung.add(entry);
    return true;
  }

  private releaseHung(): void {
    if (this.hung.size === 0) return;
    const count = this.hung.size;
    for (const entry of [...this.hung]) entry.release();
    this.logger.warn(`chaos: hang ended, closed ${count} held connection${count === 1 ? '' : 's'}`);
  }

  private matches(fault: Fault<{ match: DelaySettings['match'] }>, request: FastifyRequest): boolean {
    return matchesRequest(fault.match, {
      template: request.routeOptions?.url,
      params: request.params,
      body: request.body,
      authorization: request.headers.authorization,
    });
  }

  private pathOf(request: FastifyRequest): string {
    const queryAt = request.url.indexOf('?');
    return queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  }

  /** Waits out an injected delay and/or answers an injected error; true when the request was answered. */
  private async applyFaults(
    request: FastifyRequest,
    reply: FastifyReply,
    delay: Fault<DelaySettings> | null,
    error: Fault<ErrorSettings> | null,
  ): Promise<boolean> {
    const path = this.pathOf(request);
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
