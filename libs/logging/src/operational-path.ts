/**
 * What an "operational" path is: the requests that serve the people and tools running the service rather than
 * its users. One definition for every part of the request pipeline that treats them apart (load shedding, the
 * chaos hooks, tracing, request lines, HTTP metrics); each picks the kinds it exempts.
 *
 * Lives in libs/logging because it is the lowest lib that all of them import (http, chaos and observability
 * depend on it), so no import cycle. Also exported alone (`@food-delivery/logging/operational-path`, no imports)
 * for the tracing preload, which must not load pino or fastify before it has instrumented them.
 */
export type OperationalPathKind =
  /** Liveness and readiness probes: /health/live, /health/ready. */
  | 'health'
  /** The Prometheus scrape: /metrics. */
  | 'metrics'
  /** The chaos control plane: /chaos, /chaos/<knob>. */
  | 'chaos'
  /** API documentation: /docs (Swagger UI and its assets), /docs-json, /docs-yaml, /redoc. */
  | 'docs';

const FIRST_SEGMENTS: Record<OperationalPathKind, string[]> = {
  health: ['health'],
  metrics: ['metrics'],
  chaos: ['chaos'],
  docs: ['docs', 'docs-json', 'docs-yaml', 'redoc'],
};

/**
 * A test for the given kinds of operational path, on a raw URL (query string allowed) or a route template: true
 * when the first path segment is one of theirs (`/health/live`, `/metrics?x`; not `/healthz`, not `/api/chaos`).
 * Compiled once per caller to a regular expression: it runs on every request.
 */
export function operationalPathTest(kinds: readonly OperationalPathKind[]): (url: string) => boolean {
  const segments = kinds.flatMap((kind) => FIRST_SEGMENTS[kind]).map((s) => s.replace(/-/g, '\\-'));
  const pattern = new RegExp(`^/(?:${segments.join('|')})(?:[/?#]|$)`);
  return (url) => pattern.test(url);
}
