import { isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import { operationalPathTest, requestTelemetry, setRequestTelemetry } from '@food-delivery/logging';
import type { FastifyInstance } from 'fastify';
import { tracedHistogram } from './registry';

/** The `route` label of requests no route answered (404s, scanners): raw paths would explode the series count. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Probes and scrapes: counted by their own tools, and they would drown the request rate. */
const isUnmeasured = operationalPathTest(['health', 'metrics']);

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

export const httpServerDuration = tracedHistogram({
  name: 'http_server_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route template and status class (2xx, 4xx, 5xx...)',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

const instrumented = new WeakSet<FastifyInstance>();

/**
 * Two Fastify hooks for every request: onRequest notes the route template and the trace ids (for the request's
 * log line and the exemplar) and answers `X-Trace-Id`, onResponse observes the duration. Both are synchronous
 * and allocation-light.
 */
export function instrumentHttpServer(fastify: FastifyInstance): void {
  if (instrumented.has(fastify)) return;
  instrumented.add(fastify);

  fastify.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const context = trace.getActiveSpan()?.spanContext();
    if (context && isSpanContextValid(context)) {
      // The id to look the request up in Grafana (Tempo, or the logs in Loki), on every answer.
      void reply.header('x-trace-id', context.traceId);
      setRequestTelemetry(request.raw, {
        route,
        trace_id: context.traceId,
        span_id: context.spanId,
        sampled: (context.traceFlags & TraceFlags.SAMPLED) !== 0,
      });
    } else {
      setRequestTelemetry(request.raw, { route });
    }
    done();
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const telemetry = requestTelemetry(request.raw);
    const route = telemetry?.route ?? request.routeOptions.url ?? UNMATCHED_ROUTE;
    if (!isUnmeasured(route)) {
      httpServerDuration.observe(
        {
          method: request.method,
          route,
          status_class: STATUS_CLASSES[Math.floor(reply.statusCode / 100)] ?? 'other',
        },
        reply.elapsedTime / 1000,
        telemetry?.sampled ? telemetry.trace_id : undefined,
      );
    }
    done();
  });
}
