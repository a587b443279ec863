import {
  context,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type AttributeValue,
  type Span,
} from '@opentelemetry/api';

/**
 * Domain attributes the dashboards and TraceQL searches use (`{ span.order.id = 42 }`). Keys are fixed here so
 * every service spells them the same way.
 */
export interface DomainAttributes {
  'order.id'?: string | number;
  'order.status'?: string;
  'order.failure_reason'?: string;
  'menu.id'?: number | number[];
  'payment.outcome'?: string;
  'user.id'?: number;
  'reservation.outcome'?: string;
  [chaos: `chaos.${string}`]: string | number | boolean | undefined;
}

const TRACER = '@food-delivery/observability';

/** Sets domain attributes on a span (the active one by default); free when tracing is off or not sampled. */
export function setSpanAttributes(attributes: DomainAttributes, span = trace.getActiveSpan()): void {
  if (!span?.isRecording()) return;
  for (const [key, value] of Object.entries(attributes) as [string, AttributeValue | undefined][]) {
    if (value !== undefined) span.setAttribute(key, value);
  }
}

function statusOf(error: unknown): number | undefined {
  const candidate = error as { getStatus?: () => number; statusCode?: number; status?: number } | null;
  if (typeof candidate?.getStatus === 'function') return candidate.getStatus();
  return candidate?.statusCode ?? candidate?.status;
}

/**
 * Marks a span failed for server-side failures only: a 4xx answer (409 INSUFFICIENT_STOCK, 404...) is an expected
 * outcome, recorded as `error.code` without turning the span red.
 */
export function recordSpanError(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') span.setAttribute('error.code', code);
  const status = statusOf(error);
  if (status !== undefined && status < 500) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
}

/**
 * Runs `work` outside any trace: timers and promises it starts do not inherit the caller's context. For background
 * work that a request only triggers (e.g. a worker woken by it), which must not appear inside that request's trace.
 */
export function detachedFromTrace<T>(work: () => T): T {
  return context.with(ROOT_CONTEXT, work);
}

/** Runs `work` inside a new active span (children nest under it), ending it and recording failures. */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return trace.getTracer(TRACER).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordSpanError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

const ms = (value: number) => Math.round(value * 100) / 100;

/**
 * Lock wait and lock hold, recorded separately on an inventory span: an event at the moment the row locks were
 * granted and one when they were released (commit), plus attributes to search and aggregate by.
 */
export const lockTimings = {
  /** Call right after the locks were granted. Several lock steps in one transaction add up. */
  acquired(span: Span, waitMs: number, totalWaitMs = waitMs): void {
    if (!span.isRecording()) return;
    span.addEvent('inventory.lock.acquired', { 'inventory.lock.wait_ms': ms(waitMs) });
    span.setAttribute('inventory.lock.wait_ms', ms(totalWaitMs));
  },
  /** Call right after the commit that released the locks. */
  released(span: Span, holdMs: number): void {
    if (!span.isRecording()) return;
    span.addEvent('inventory.lock.released', { 'inventory.lock.hold_ms': ms(holdMs) });
    span.setAttribute('inventory.lock.hold_ms', ms(holdMs));
  },
  /** Time spent queued for a transaction slot before the transaction began. */
  queued(span: Span, queueMs: number): void {
    if (span.isRecording()) span.setAttribute('inventory.queue_ms', ms(queueMs));
  },
};
