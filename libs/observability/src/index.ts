export {
  DefaultMetrics,
  HttpServerMetrics,
  MetricsController,
  MetricsModule,
  PgPoolMetrics,
  TracingShutdown,
} from './metrics.module';
export { cacheMetrics, type CacheMetrics, type CacheResult } from './cache-metrics';
export { httpServerDuration, instrumentHttpServer, UNMATCHED_ROUTE } from './http-metrics';
export {
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderOpenMetrics,
  wantsOpenMetrics,
} from './openmetrics';
export { trackPgPool, type PgPoolStats } from './pg-pool-metrics';
export {
  counter,
  gauge,
  getOrCreate,
  sampledTraceId,
  tracedHistogram,
  type TracedHistogram,
} from './registry';
export {
  detachedFromTrace,
  lockTimings,
  recordSpanError,
  setSpanAttributes,
  withSpan,
  type DomainAttributes,
} from './span-attributes';
export { flushTracing, tracingHandle, type TracingHandle } from './tracing-handle';
