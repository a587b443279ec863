import { ApiError } from '@food-delivery/http';

export type DependencyFailure = 'timeout' | 'circuit_open' | 'unreachable' | 'server_error';

const STATUS: Record<DependencyFailure, { status: number; code: string; verb: string }> = {
  timeout: { status: 504, code: 'DEPENDENCY_TIMEOUT', verb: 'did not answer in time' },
  circuit_open: {
    status: 503,
    code: 'DEPENDENCY_UNAVAILABLE',
    verb: 'is failing; its circuit breaker is open',
  },
  unreachable: { status: 503, code: 'DEPENDENCY_UNAVAILABLE', verb: 'is unreachable' },
  server_error: { status: 502, code: 'DEPENDENCY_ERROR', verb: 'answered with an error' },
};

/**
 * A downstream call that failed for good (after retries): 504 on timeout, 503 (with Retry-After) when the
 * circuit is open or the service is unreachable, 502 when it kept answering 5xx. Names the dependency.
 */
export class DependencyError extends ApiError {
  constructor(
    readonly dependency: string,
    readonly failure: DependencyFailure,
    detail?: string,
    retryAfterSeconds?: number,
  ) {
    const { status, code, verb } = STATUS[failure];
    super(status, code, `${dependency} ${verb}${detail ? ` (${detail})` : ''}`, {
      dependency,
      headers: retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : {},
    });
  }
}
