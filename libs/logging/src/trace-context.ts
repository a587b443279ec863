import { isSpanContextValid, trace } from '@opentelemetry/api';

/** Trace and span ids of the active OpenTelemetry span, if any (empty when tracing is not started). */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}
