import { performance } from 'node:perf_hooks';
import {
  CHAOS_LIMITS,
  covers,
  defineKnob,
  DelayMs,
  describeMatch,
  Instance,
  isIntIn,
  isNumberIn,
  Match,
  parseMatch,
  Percent,
  TtlS,
  type ChaosMatchDto,
  type ChaosService,
  type FaultMatch,
} from '@food-delivery/chaos';

/** POST /chaos/inventory_delay */
export class ChaosInventoryDelayDto {
  @DelayMs(3000, 'Delay of each inventory update, spent while the row lock is held,')
  delay_ms!: number;

  @Percent(100, 'inventory updates')
  percent?: number;

  @Match()
  match?: ChaosMatchDto;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

interface InventoryDelaySettings {
  delay_ms: number;
  percent: number;
  match: FaultMatch | null;
}

/** The restaurant's spec knob: lock contention on the menu rows. */
export const inventoryDelayKnob = defineKnob<InventoryDelaySettings, ChaosInventoryDelayDto>({
  name: 'inventory_delay',
  summary: '👉 Slow down inventory updates while the row lock is held',
  description:
    'Each affected inventory update waits `delay_ms` inside its transaction, after locking the menu row, so ' +
    'concurrent orders of the same menu queue behind it (lock contention). `match.menu_id` / `match.user_id` ' +
    'limit it to some products or customers. `{"delay_ms": 0}` switches it off.',
  body: ChaosInventoryDelayDto,
  examples: {
    spec: { summary: 'Spec: 3 s per inventory update', value: { delay_ms: 3000 } },
    partial: {
      summary: '1 s on 25% of updates for 10 minutes',
      value: { delay_ms: 1000, percent: 25, ttl_s: 600 },
    },
    'one product': { summary: 'Only updates of menu 3', value: { delay_ms: 2000, match: { menu_id: [3] } } },
    off: { summary: 'Switch off', value: { delay_ms: 0 } },
  },
  settings: (dto) =>
    dto.delay_ms === 0
      ? null
      : { delay_ms: dto.delay_ms, percent: dto.percent ?? 100, match: parseMatch(dto.match) ?? null },
  parse: (value) => {
    const match = parseMatch(value.match);
    if (!isIntIn(value.delay_ms, 1, CHAOS_LIMITS.maxDelayMs) || !isNumberIn(value.percent, 0, 100))
      return null;
    if (match === undefined) return null;
    return { delay_ms: value.delay_ms, percent: value.percent, match };
  },
  describe: (fault) =>
    `inventory_delay ${fault.delay_ms}ms on ${fault.percent}%${describeMatch(fault.match)}`,
});

/** Which inventory update this is, for targeted faults. */
export interface InventoryCall {
  menuIds: readonly number[];
  userId?: number | null;
}

/**
 * Whether an `inventory_delay` fault may apply to this update: code with a faster path that holds no lock
 * across a round trip takes its locked path instead, so the delay is injected where it hurts.
 */
export function inventoryDelayActive(chaos: ChaosService, call: InventoryCall): boolean {
  const fault = chaos.active<InventoryDelaySettings>(inventoryDelayKnob.name);
  return fault !== null && covers(fault.match, call);
}

/**
 * Waits out `inventory_delay` when it is set for this replica, covers this update and this call falls within
 * its `percent`. Await it inside the transaction that holds the row locks, so concurrent updates queue behind
 * it. Asynchronous timer: the event loop keeps serving. Resolves with the milliseconds actually waited.
 */
export async function applyInventoryDelay(chaos: ChaosService, call: InventoryCall): Promise<number> {
  const fault = chaos.active<InventoryDelaySettings>(inventoryDelayKnob.name);
  if (!fault || !covers(fault.match, call) || !chaos.roll(fault.percent)) return 0;
  chaos.injected(
    fault,
    { delay_ms: fault.delay_ms, menu_id: call.menuIds.join(',') },
    `delaying an inventory update by ${fault.delay_ms}ms`,
  );
  const started = performance.now();
  await chaos.sleep(fault.delay_ms);
  return Math.round(performance.now() - started);
}
