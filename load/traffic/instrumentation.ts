// Preloaded with `node --require`, as the services' instrumentation: tracing must patch undici before the
// generator loads it, so main.ts never imports this file. Exports spans only when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_TRACES_EXPORTER) says so, like the services; either way every call carries a `traceparent`.
import { startTracing } from '@food-delivery/observability/tracing';

startTracing({ serviceName: 'traffic-generator' });
