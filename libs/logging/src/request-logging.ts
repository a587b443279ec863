import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { requestTelemetry } from './request-telemetry';
import { activeTraceIds } from './trace-context';

/** Paths whose requests are too frequent and too dull to log one line each (probes and scrapes). */
const QUIET_PATHS = /^\/(health\/|metrics)/;

const installed = new WeakSet<FastifyInstance>();

const UNLOGGED = Symbol.for('food-delivery.unlogged-request');

/**
 * Leaves a request out of the request lines: for answers counted elsewhere that would otherwise cost a line each
 * exactly when the service can least afford it (503 OVERLOADED from load shedding).
 */
export function skipRequestLine(request: IncomingMessage): void {
  (request as IncomingMessage & { [UNLOGGED]?: true })[UNLOGGED] = true;
}

const isSkipped = (request: FastifyRequest): boolean =>
  (request.raw as IncomingMessage & { [UNLOGGED]?: true })[UNLOGGED] === true;

/** The `req` field of a request line: never the headers that may hold credentials. */
function describeRequest(request: FastifyRequest) {
  return {
    id: request.id,
    method: request.method,
    url: request.url,
    headers: {
      'user-agent': request.headers['user-agent'],
      'x-request-id': request.headers['x-request-id'],
    },
  };
}

/** Route template and trace ids as the metrics hook saw them, so the line links to the same trace and series. */
function correlation(request: FastifyRequest) {
  const telemetry = requestTelemetry(request.raw);
  if (telemetry) return { route: telemetry.route, trace_id: telemetry.trace_id, span_id: telemetry.span_id };
  return { route: request.routeOptions.url ?? 'unmatched', ...activeTraceIds() };
}

/**
 * One line per request when its response has been sent: `request completed` (info, warn for 4xx) or
 * `request errored` (error, 5xx), with request id, route template, status, duration and trace ids.
 *
 * A Fastify hook rather than pino-http behind Nest middleware: that path built two child loggers (serialising and
 * redacting the request) and entered an AsyncLocalStorage for every request, whatever the level, and cost ~40% of
 * a cached menu read. Application lines written during a request carry the request's trace and span ids (the
 * logger's mixin), which is what links them to this line and to the trace.
 *
 * `logger`'s level decides what is written; `lines` (same destination and format) writes the request lines.
 */
export function installRequestLogging(
  fastify: FastifyInstance,
  logger: Logger,
  lines: Logger = logger,
): void {
  if (installed.has(fastify)) return;
  installed.add(fastify);

  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (logger.isLevelEnabled(level) && !QUIET_PATHS.test(request.url) && !isSkipped(request)) {
      lines[level](
        {
          req: describeRequest(request),
          ...correlation(request),
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        status >= 500 ? 'request errored' : 'request completed',
      );
    }
    done();
  });

  // The client went away before the answer: the work may still run, but nothing will be sent.
  fastify.addHook('onRequestAbort', (request, done) => {
    if (logger.isLevelEnabled('warn') && !QUIET_PATHS.test(request.url)) {
      lines.warn({ req: describeRequest(request), ...correlation(request) }, 'request aborted');
    }
    done();
  });
}
