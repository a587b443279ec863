// Entry point of the `--require`d instrumentation file (`@food-delivery/observability/tracing`). It must load
// nothing that the instrumentations patch (pg, ioredis, fastify, undici): only OpenTelemetry packages.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { AlwaysOffSampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { operationalPathTest } from '@food-delivery/logging/operational-path';
import { hostname } from 'node:os';
import { JsonDiagLogger } from './diag-logger';
import { setTracingHandle, tracingHandle, type TracingHandle } from './tracing-handle';

export { flushTracing } from './tracing-handle';

export interface TracingOptions {
  /** `service.name`, e.g. "order-service" (OTEL_SERVICE_NAME wins when set). */
  serviceName: string;
}

/**
 * The auto-instrumentations this system has a use for, in the standard variable's syntax: outbound node:http,
 * undici/fetch, pg and ioredis. The rest of the package's ~40 (Express, MongoDB, Kafka, fs, dns, net…) patch
 * nothing here or only add noise. Not pino (libs/logging's mixin already puts the trace ids in every line; the
 * instrumentation would add them twice), nor nestjs-core (Fastify's handler span covers the Nest handler), nor
 * runtime-node (metrics come from prom-client). An operator's OTEL_NODE_ENABLED_INSTRUMENTATIONS /
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS win.
 */
export const DEFAULT_ENABLED_INSTRUMENTATIONS = 'http,undici,pg,ioredis';

/** Probes, scrapes and docs are too frequent and too dull to trace; /chaos calls are rare operator actions: traced. */
const isUntraced = operationalPathTest(['health', 'metrics', 'docs']);

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);

/**
 * Whether spans leave the process. Only the standard variables decide: OTEL_TRACES_EXPORTER when set, otherwise
 * "yes" as soon as an OTLP endpoint is configured. Unlike the SDK's default, no endpoint means no exporter, so a
 * plain `npm start` never tries to reach a collector that is not there.
 */
export function exportsTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  const exporters = list(env.OTEL_TRACES_EXPORTER);
  if (exporters.length > 0) return !exporters.every((name) => name === 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Redis commands as `GET key` / `EVALSHA`: never the values, which may hold whole cached bodies. */
function redisStatement(command: string, args: unknown[]): string {
  const first = args[0];
  if (/^eval/i.test(command) || typeof first !== 'string' || first.length > 120) return command;
  return `${command} ${first}`;
}

/** What starts the tracing, and the handle's flush and shutdown for it. */
type Tracing = Pick<TracingHandle, 'forceFlush' | 'shutdown'> & { start: () => void };

/**
 * The Node SDK, which reads the exporter, OTLP protocol, propagators and resource detectors from OTEL_*. It is
 * loaded only to export: with every exporter it can configure (gRPC, protobuf, Zipkin, Prometheus) and the metrics
 * and logs SDKs it is ~480 modules and 6.6 MB of heap, in every process, for nothing when no span leaves.
 */
function exportingSdk(resource: Resource, instrumentations: Instrumentation[]): Tracing {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    resource,
    // Metrics are served by prom-client at /metrics and logs go to stdout (shipped to Loki): no OTLP for them.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations,
  });
  return {
    start: () => sdk.start(),
    forceFlush: async () => {
      const provider = trace.getTracerProvider() as {
        getDelegate?: () => { forceFlush?: () => Promise<void> };
      };
      await provider.getDelegate?.().forceFlush?.();
    },
    shutdown: () => sdk.shutdown(),
  };
}

/**
 * Nothing to export: no span processor, and sample nothing unless OTEL_TRACES_SAMPLER says otherwise (no span is
 * recorded; ids still propagate, W3C trace context and baggage, in an AsyncLocalStorage context).
 */
function idsOnly(resource: Resource, instrumentations: Instrumentation[]): Tracing {
  const provider = new NodeTracerProvider({
    resource,
    ...(process.env.OTEL_TRACES_SAMPLER ? {} : { sampler: new AlwaysOffSampler() }),
  });
  return {
    start: () => {
      provider.register();
      registerInstrumentations({ tracerProvider: provider, instrumentations });
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * The instrumentations a service runs (created enabled: call before the instrumented modules load): the
 * design card's `@opentelemetry/auto-instrumentations-node`, limited to DEFAULT_ENABLED_INSTRUMENTATIONS unless
 * the operator says otherwise, and Fastify's own.
 */
export function tracingInstrumentations(exporting: boolean): Instrumentation[] {
  process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ??= DEFAULT_ENABLED_INSTRUMENTATIONS;
  return [
    // Incoming requests: the Fastify instrumentation makes the SERVER span (W3C traceparent extracted, named
    // after the route template, `PUT /inventory/:menuId`) with a child span for the Nest handler. The http
    // instrumentation's own server span would double the tracing cost per request for nothing Fastify does not
    // see, so it only covers outbound node:http calls.
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
      // The handler's child span only when spans are exported; unrecorded it is a second span per request.
      instrumentHandler: exporting,
      ignorePaths: (route: { url: string }) => isUntraced(route.url),
      requestHook: (span, request) => {
        const route = request.routeOptions.url;
        span.updateName(route ? `${request.method} ${route}` : request.method);
      },
    }),
    // Fastify is not among the auto-instrumentations (its own project maintains @fastify/otel, above).
    ...getNodeAutoInstrumentations({
      '@opentelemetry/instrumentation-http': {
        disableIncomingRequestInstrumentation: true,
        requireParentforOutgoingSpans: true,
      },
      // fetch and undici: a client span and a `traceparent` header on every outbound call (default config).
      // Database and cache spans only when spans leave the process: unrecorded, they would cost a span and a
      // context switch per query for nothing (trace ids in logs and headers come from the spans above).
      // Background work (chaos sync, pool housekeeping) would only add root spans of no interest.
      '@opentelemetry/instrumentation-pg': {
        ...(exporting ? {} : { enabled: false }),
        requireParentSpan: true,
      },
      '@opentelemetry/instrumentation-ioredis': {
        ...(exporting ? {} : { enabled: false }),
        requireParentSpan: true,
        dbStatementSerializer: redisStatement,
      },
    }),
  ];
}

/**
 * Starts OpenTelemetry tracing for a service: W3C trace context in and out (Fastify, undici/fetch, http),
 * spans for Fastify routes, pg and ioredis (log lines get their trace ids from the logger's mixin, libs/logging). Call once, from a file preloaded with
 * `node --require`, before anything else is loaded. The exporter is configured only through OTEL_* variables;
 * when none is configured spans are not recorded, but trace ids still flow (logs, traceparent).
 */
export function startTracing(options: TracingOptions): TracingHandle | undefined {
  const existing = tracingHandle();
  if (existing) return existing;
  if (/^(true|1)$/i.test(process.env.OTEL_SDK_DISABLED ?? '')) return undefined;

  const instance = process.env.INSTANCE_ID || `${hostname()}-${process.pid}`;
  const exporting = exportsTraces();
  const environment = process.env.DEPLOYMENT_ENVIRONMENT ?? process.env.NODE_ENV ?? 'development';

  const resource = resourceFromAttributes({
    'service.name': options.serviceName,
    'service.namespace': 'food-delivery',
    'service.instance.id': instance,
    'deployment.environment': environment,
    'deployment.environment.name': environment,
  });
  const instrumentations = tracingInstrumentations(exporting);

  const tracing = exporting ? exportingSdk(resource, instrumentations) : idsOnly(resource, instrumentations);

  // After the SDK's constructor, which installs its own console logger when OTEL_LOG_LEVEL is set.
  if (!process.env.OTEL_LOG_LEVEL) {
    const endpoint =
      process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    const hint = exporting
      ? `traces to ${endpoint ?? 'the default OTLP endpoint'}; spans are dropped while it does not answer, requests are not affected`
      : undefined;
    diag.setLogger(new JsonDiagLogger({ service: options.serviceName, instance, hint }), DiagLogLevel.WARN);
  }
  tracing.start();

  const handle: TracingHandle = {
    serviceName: options.serviceName,
    exporting,
    forceFlush: tracing.forceFlush,
    shutdown: tracing.shutdown,
  };
  setTracingHandle(handle);
  return handle;
}
