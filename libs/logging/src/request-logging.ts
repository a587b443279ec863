import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { isoTimestamp, type LineBase } from './line-format';
import { operationalPathTest } from './operational-path';
import { requestTelemetry } from './request-telemetry';
import { activeTraceIds } from './trace-context';

/** Paths whose requests are too frequent and too dull to log one line each (probes and scrapes). */
const isQuiet = operationalPathTest(['health', 'metrics']);

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

const json = JSON.stringify;

/** `,"key":<value as JSON>`, or nothing for an undefined value (pino leaves those out too). */
const field = (key: string, value: unknown): string =>
  value === undefined ? '' : `,"${key}":${json(value)}`;

/** The `req` field of a request line: never the headers that may hold credentials. */
function requestField(request: FastifyRequest): string {
  const headers =
    field('user-agent', request.headers['user-agent']) +
    field('x-request-id', request.headers['x-request-id']);
  return (
    `,"req":{"id":${json(request.id)},"method":${json(request.method)},"url":${json(request.url)}` +
    `,"headers":{${headers.slice(1)}}}`
  );
}

/** Route template and trace ids as the metrics hook saw them, so the line links to the same trace and series. */
function correlationFields(request: FastifyRequest): string {
  const telemetry = requestTelemetry(request.raw);
  const { route, trace_id, span_id } = telemetry ?? {
    route: request.routeOptions.url ?? 'unmatched',
    ...activeTraceIds(),
  };
  return field('route', route) + field('trace_id', trace_id) + field('span_id', span_id);
}

export interface RequestLoggingOptions {
  /** Decides which lines are written: the service's root logger (LOG_LEVEL, or a level changed at run time). */
  logger: Pick<Logger, 'isLevelEnabled'>;
  /** Where the lines go: the destination the service's other lines share. */
  destination: { write(line: string): unknown };
  /** The service's `base` fields, as on its other lines. */
  base: LineBase;
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
 * The line has a fixed shape made of allow-listed fields, so it is written as text, in the exact format of the
 * service's pino lines (`lineFormat`; the spec compares both): no redaction or mixin to run, and none of pino's
 * generic serialisation, which cost several times the line itself at thousands of requests per second.
 */
export function installRequestLogging(fastify: FastifyInstance, options: RequestLoggingOptions): void {
  if (installed.has(fastify)) return;
  installed.add(fastify);
  const { logger, destination } = options;
  const base = field('service', options.base.service) + field('instance', options.base.instance);
  const write = (level: string, request: FastifyRequest, rest: string) =>
    destination.write(
      `{"level":"${level}"${isoTimestamp()}${base}${requestField(request)}${correlationFields(request)}${rest}}\n`,
    );

  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (logger.isLevelEnabled(level) && !isQuiet(request.url) && !isSkipped(request)) {
      const responseTime = Math.round(reply.elapsedTime * 10) / 10;
      const msg = status >= 500 ? 'request errored' : 'request completed';
      write(level, request, `,"res":{"statusCode":${status}},"responseTime":${responseTime},"msg":"${msg}"`);
    }
    done();
  });

  // The client went away before the answer: the work may still run, but nothing will be sent.
  fastify.addHook('onRequestAbort', (request, done) => {
    if (logger.isLevelEnabled('warn') && !isQuiet(request.url)) {
      write('warn', request, ',"msg":"request aborted"');
    }
    done();
  });
}
