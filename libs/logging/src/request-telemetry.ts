import type { IncomingMessage } from 'node:http';

/**
 * What the HTTP metrics hook learned about a request (route template, trace ids), kept on the raw Node request so
 * the per-request log line written when the response finishes carries the same route and trace as the metrics.
 */
export interface RequestTelemetry {
  /** Route template (`/inventory/:menuId`), or `unmatched` when no route answered. */
  route: string;
  trace_id?: string;
  span_id?: string;
  /** The trace is recorded (exported): its id may be used as a metrics exemplar. Not logged. */
  sampled?: boolean;
}

export const REQUEST_TELEMETRY = Symbol.for('food-delivery.request-telemetry');

type WithTelemetry = IncomingMessage & { [REQUEST_TELEMETRY]?: RequestTelemetry };

export function setRequestTelemetry(request: IncomingMessage, telemetry: RequestTelemetry): void {
  (request as WithTelemetry)[REQUEST_TELEMETRY] = telemetry;
}

export function requestTelemetry(request: IncomingMessage | undefined): RequestTelemetry | undefined {
  return request ? (request as WithTelemetry)[REQUEST_TELEMETRY] : undefined;
}
