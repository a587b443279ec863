import { Injectable } from '@nestjs/common';
import { ChaosState } from './chaos-state';
import { ChaosTelemetry } from './chaos-telemetry';
import { idOf, pickDelay, roll, type Fault } from './faults';
import { cacheFaultFor, type CacheFailureMode, type CacheFailureSettings } from './knobs/cache-failure.knob';
import type { DependencyFaultOutcome, DependencySettings } from './knobs/dependency.knob';

/**
 * What service and lib code uses to honour the knobs it owns. The request-level knobs (delay, error) and the
 * process-level ones need nothing from the service. Every method reads local memory only (never Redis); with
 * CHAOS_ENABLED=false no fault is ever in force.
 */
@Injectable()
export class ChaosService {
  constructor(
    private readonly state: ChaosState,
    private readonly telemetry: ChaosTelemetry,
  ) {}

  /** The fault of this knob in force on this replica (one aimed at it wins over one for every replica). */
  active<S extends object>(knob: string): Fault<S> | null {
    return this.state.active<S>(knob);
  }

  /**
   * Calls `listener` whenever the faults in force on this replica may have changed (set, reset, expiry, sync):
   * e.g. to undo what a fault left behind once it is gone. Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void {
    return this.state.onChange(listener);
  }

  /** True with probability percent/100. */
  roll(percent: number): boolean {
    return roll(percent);
  }

  /**
   * Records one injection of `fault`: a log line, span attributes and a `chaos.injected` span event, and
   * chaos_injections_total{type}. Call it once per affected operation.
   */
  injected(
    fault: Fault,
    details: Record<string, string | number>,
    message: string,
    context?: Record<string, string>,
  ): void {
    this.telemetry.injected(fault.type, { ...details, fault: idOf(fault) }, message, context);
  }

  /** A chaos wait on a timer (never blocks the loop); ends early at shutdown or when `signal` aborts. */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal) return this.state.sleep(ms);
    if (signal.aborted) return;
    const connection = {
      once: (_event: string, listener: () => void) =>
        signal.addEventListener('abort', listener, { once: true }),
      off: (_event: string, listener: () => void) => signal.removeEventListener('abort', listener),
    };
    await this.state.sleep(ms, connection as never);
  }

  /**
   * The `dependency` knob at the point where a call to `target` leaves the process. null (synchronously, the
   * usual case): no fault, go ahead. Otherwise a promise that first waits out any added latency, then tells the
   * caller how this call fails: `error` (HTTP status, or a refused connection), `reset`, or `timeout` (it
   * resolves once `signal` aborted or `timeoutMs` passed: the caller then reports its own timeout).
   */
  dependencyFault(
    target: string,
    options: { signal?: AbortSignal; timeoutMs: number },
  ): Promise<DependencyFaultOutcome> | null {
    const fault = this.state.active<DependencySettings>('dependency');
    if (!fault || fault.target !== target || !roll(fault.percent)) return null;
    return this.applyDependencyFault(fault, options);
  }

  private async applyDependencyFault(
    fault: Fault<DependencySettings>,
    options: { signal?: AbortSignal; timeoutMs: number },
  ): Promise<DependencyFaultOutcome> {
    const latency = fault.latency_ms
      ? pickDelay({ delay_ms: fault.latency_ms, jitter_ms: fault.jitter_ms })
      : 0;
    this.injected(
      fault,
      { target: fault.target, mode: fault.mode, latency_ms: latency },
      `dependency ${fault.target}: ${fault.mode}${latency ? ` after ${latency}ms` : ''}`,
    );
    if (latency > 0) await this.sleep(latency, options.signal);
    switch (fault.mode) {
      case 'latency':
        return null;
      case 'error':
        return { mode: 'error', status: fault.status };
      case 'reset':
        return { mode: 'reset' };
      case 'timeout':
        // Never answers: the caller's own timeout (its signal, or its acquire timeout) decides when it gives up.
        await this.sleep(options.timeoutMs, options.signal);
        return { mode: 'timeout' };
    }
  }

  /**
   * The `dependency` knob for a client whose failures are exceptions (Redis): null (synchronously, the usual
   * case) or a promise that waits out any added latency and then rejects as the call would: `error` as a
   * refused connection, `reset` as a reset one, `timeout` after `timeoutMs` as a command timeout.
   */
  dependencyFailure(target: string, options: { timeoutMs: number }): Promise<void> | null {
    const outcome = this.dependencyFault(target, options);
    if (!outcome) return null;
    return outcome.then((result) => {
      if (!result) return;
      const [code, message] =
        result.mode === 'error'
          ? ['ECONNREFUSED', `connect ECONNREFUSED (chaos: ${target} error)`]
          : result.mode === 'reset'
            ? ['ECONNRESET', `read ECONNRESET (chaos: ${target} reset)`]
            : ['ETIMEDOUT', `Command timed out (chaos: ${target} timeout)`];
      throw Object.assign(new Error(message), { code });
    });
  }

  /**
   * The `cache_failure` fault hitting this operation on `cache` in `mode` (its percent rolled), else null.
   * The caller records the injection (ChaosService.injected) where it applies it.
   */
  cacheFault(cache: string, mode: CacheFailureMode): Fault<CacheFailureSettings> | null {
    const fault = this.state.active<CacheFailureSettings>('cache_failure');
    return fault && cacheFaultFor(fault, cache, mode) && roll(fault.percent) ? fault : null;
  }
}
