import { Injectable } from '@nestjs/common';
import { ChaosState } from './chaos-state';
import { ChaosTelemetry } from './chaos-telemetry';
import { idOf, roll, type Fault } from './faults';

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
}
