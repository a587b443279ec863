import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { ChaosState } from './chaos-state';
import { ChaosTelemetry } from './chaos-telemetry';
import { idOf, roll } from './faults';

/**
 * What service code uses to honour its own chaos knobs. The request-level knobs (delay, error) need nothing
 * from the service: ChaosModule applies them to every request. Both methods read local memory only (never
 * Redis) and are no-ops when the knob is not set, not offered by the service, or CHAOS_ENABLED=false.
 */
@Injectable()
export class ChaosService {
  constructor(
    private readonly state: ChaosState,
    private readonly telemetry: ChaosTelemetry,
  ) {}

  /**
   * Whether an `inventory_delay` fault applies to this replica right now: code with a faster path that holds no
   * lock across a round trip takes its locked path instead, so the delay is injected where it hurts.
   */
  inventoryDelayActive(): boolean {
    return this.state.active('inventory_delay') !== null;
  }

  /**
   * Waits out the `inventory_delay` knob (restaurant service) when it is set for this replica and this call
   * falls within its `percent`. Await it exactly where the delay should hurt: inside the transaction that holds
   * the inventory row lock, so concurrent updates queue behind it. Asynchronous timer: the event loop keeps
   * serving other requests. Resolves with the milliseconds actually waited (0 when not delayed).
   */
  async applyInventoryDelay(): Promise<number> {
    const fault = this.state.active('inventory_delay');
    if (!fault || !roll(fault.percent)) return 0;
    this.telemetry.injected(
      'inventory_delay',
      { delay_ms: fault.delay_ms, fault: idOf(fault) },
      `delaying an inventory update by ${fault.delay_ms}ms`,
    );
    const started = performance.now();
    await this.state.sleep(fault.delay_ms);
    return Math.round(performance.now() - started);
  }

  /**
   * Whether this payment should fail, per the `payment_fail` knob (order service): true for `fail_percent`% of
   * calls. Call it once per payment attempt; every `true` is counted, logged and recorded on the current span.
   */
  shouldFailPayment(): boolean {
    const fault = this.state.active('payment_fail');
    if (!fault || !roll(fault.fail_percent)) return false;
    this.telemetry.injected(
      'payment_fail',
      { fail_percent: fault.fail_percent, fault: idOf(fault) },
      `failing a payment (payment_fail ${fault.fail_percent}%)`,
    );
    return true;
  }
}
