import { isSpanContextValid, trace, TraceFlags, type Span } from '@opentelemetry/api';
import {
  Counter,
  Gauge,
  Histogram,
  register,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type LabelValues,
} from 'prom-client';

/**
 * prom-client's default registry is per process and refuses a second metric of the same name; several apps share
 * a process in tests (and libraries may be loaded twice), so every metric is get-or-create.
 */
export function getOrCreate<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export function counter<T extends string>(config: CounterConfiguration<T>): Counter<T> {
  return getOrCreate(config.name, () => new Counter(config));
}

export function gauge<T extends string>(config: GaugeConfiguration<T>): Gauge<T> {
  return getOrCreate(config.name, () => new Gauge(config));
}

/** The trace id of a sampled span (the active one by default): only those exist in Tempo, so only they link. */
export function sampledTraceId(span: Span | undefined = trace.getActiveSpan()): string | undefined {
  const context = span?.spanContext();
  if (!context || !isSpanContextValid(context)) return undefined;
  return context.traceFlags & TraceFlags.SAMPLED ? context.traceId : undefined;
}

/** Shared by every observation without a trace (prom-client then keeps the bucket's previous exemplar). */
const NO_EXEMPLAR = Object.freeze({});

/** A latency histogram whose observations carry the trace id as an OpenMetrics exemplar. */
export interface TracedHistogram<T extends string> {
  readonly metric: Histogram<T>;
  /** `traceId` defaults to the active sampled span's; observations without one simply have no exemplar. */
  observe(labels: LabelValues<T>, seconds: number, traceId?: string): void;
}

/**
 * Get-or-create a histogram with exemplars. prom-client only lets OpenMetrics registries hold exemplar
 * histograms, so it is created unregistered and then added to the default registry: the Prometheus text format
 * ignores the exemplars, and /metrics renders them when the scraper asks for OpenMetrics (see openmetrics.ts).
 */
export function tracedHistogram<T extends string>(config: HistogramConfiguration<T>): TracedHistogram<T> {
  const metric = getOrCreate(config.name, () => {
    const created = new Histogram<T>({ ...config, registers: [], enableExemplars: true });
    register.registerMetric(created);
    return created;
  });
  // A plain histogram of the same name registered elsewhere first: keep counting, without exemplars.
  if (!(metric as unknown as { enableExemplars?: boolean }).enableExemplars) {
    return { metric, observe: (labels, seconds) => metric.observe(labels, seconds) };
  }
  return {
    metric,
    observe(labels, seconds, traceId = sampledTraceId()) {
      // prom-client types exemplar labels as the metric's own label names; any name is valid at runtime.
      const exemplarLabels = (traceId ? { trace_id: traceId } : NO_EXEMPLAR) as LabelValues<T>;
      metric.observe({ labels, value: seconds, exemplarLabels });
    },
  };
}
