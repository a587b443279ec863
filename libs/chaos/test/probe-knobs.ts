import { IsNumber, Max, Min } from 'class-validator';
import {
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
  type FaultMatch,
} from '../src';

/**
 * Service-owned knobs as a probe service would define them (the real ones live in the restaurant and order
 * services, which a lib's tests must not import): they exercise registration, validation and targeting.
 */
export class ProbeInventoryDelayDto {
  @DelayMs(3000, 'Delay of each inventory update')
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

export const probeInventoryDelayKnob = defineKnob<
  { delay_ms: number; percent: number; match: FaultMatch | null },
  ProbeInventoryDelayDto
>({
  name: 'inventory_delay',
  summary: 'Probe: delay an inventory update',
  description: 'Test knob',
  body: ProbeInventoryDelayDto,
  examples: { spec: { summary: '3 s', value: { delay_ms: 3000 } } },
  settings: (dto) =>
    dto.delay_ms === 0
      ? null
      : { delay_ms: dto.delay_ms, percent: dto.percent ?? 100, match: parseMatch(dto.match) ?? null },
  parse: (value) => {
    const match = parseMatch(value.match);
    if (!isIntIn(value.delay_ms, 1, 60_000) || !isNumberIn(value.percent, 0, 100) || match === undefined)
      return null;
    return { delay_ms: value.delay_ms, percent: value.percent, match };
  },
  describe: (fault) =>
    `inventory_delay ${fault.delay_ms}ms on ${fault.percent}%${describeMatch(fault.match)}`,
});

export class ProbePaymentFailDto {
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 })
  @Min(0)
  @Max(100)
  fail_percent!: number;

  @Match()
  match?: ChaosMatchDto;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

export const probePaymentFailKnob = defineKnob<
  { fail_percent: number; match: FaultMatch | null },
  ProbePaymentFailDto
>({
  name: 'payment_fail',
  summary: 'Probe: fail payments',
  description: 'Test knob',
  body: ProbePaymentFailDto,
  examples: { spec: { summary: '30%', value: { fail_percent: 30 } } },
  settings: (dto) =>
    dto.fail_percent === 0 ? null : { fail_percent: dto.fail_percent, match: parseMatch(dto.match) ?? null },
  parse: (value) => {
    const match = parseMatch(value.match);
    if (!isNumberIn(value.fail_percent, 0.000001, 100) || match === undefined) return null;
    return { fail_percent: value.fail_percent, match };
  },
  describe: (fault) => `payment_fail ${fault.fail_percent}%${describeMatch(fault.match)}`,
});

export { covers };
