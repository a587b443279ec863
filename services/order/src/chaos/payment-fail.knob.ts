import { ApiProperty } from '@nestjs/swagger';
import { IsNumber, Max, Min } from 'class-validator';
import {
  covers,
  defineKnob,
  describeMatch,
  Instance,
  isNumberIn,
  Match,
  parseMatch,
  TtlS,
  type ChaosMatchDto,
  type ChaosService,
  type FaultMatch,
} from '@food-delivery/chaos';

/** POST /chaos/payment_fail */
export class ChaosPaymentFailDto {
  @ApiProperty({
    example: 30,
    minimum: 0,
    maximum: 100,
    description: 'Share of payments that fail, in percent (0–100); 0 switches the knob off',
  })
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

interface PaymentFailSettings {
  fail_percent: number;
  match: FaultMatch | null;
}

/** The order service's spec knob: failed payments, which exercise the saga's rollback. */
export const paymentFailKnob = defineKnob<PaymentFailSettings, ChaosPaymentFailDto>({
  name: 'payment_fail',
  summary: '👉 Make payments fail',
  description:
    '`fail_percent`% of payments fail, which exercises the order rollback (inventory restored, order FAILED). ' +
    '`match.user_id` / `match.menu_id` limit it to some customers or products. `{"fail_percent": 0}` switches ' +
    'it off.',
  body: ChaosPaymentFailDto,
  examples: {
    spec: { summary: 'Spec: 30% of payments fail', value: { fail_percent: 30 } },
    temporary: { summary: 'Every payment fails for 1 minute', value: { fail_percent: 100, ttl_s: 60 } },
    'one customer': {
      summary: 'Every payment of user 42 fails',
      value: { fail_percent: 100, match: { user_id: [42] } },
    },
    off: { summary: 'Switch off', value: { fail_percent: 0 } },
  },
  settings: (dto) =>
    dto.fail_percent === 0 ? null : { fail_percent: dto.fail_percent, match: parseMatch(dto.match) ?? null },
  parse: (value) => {
    const match = parseMatch(value.match);
    if (!isNumberIn(value.fail_percent, 0.000001, 100) || match === undefined) return null;
    return { fail_percent: value.fail_percent, match };
  },
  describe: (fault) => `payment_fail ${fault.fail_percent}%${describeMatch(fault.match)}`,
});

/** Who pays for what, for targeted faults. */
export interface PaymentCall {
  userId: number;
  menuIds: readonly number[];
}

/**
 * Whether this payment should fail, per `payment_fail`: true for `fail_percent`% of the payments it covers.
 * Call it once per payment attempt; every `true` is counted, logged and recorded on the current span.
 */
export function shouldFailPayment(chaos: ChaosService, call: PaymentCall): boolean {
  const fault = chaos.active<PaymentFailSettings>(paymentFailKnob.name);
  if (!fault || !covers(fault.match, call) || !chaos.roll(fault.fail_percent)) return false;
  chaos.injected(
    fault,
    { fail_percent: fault.fail_percent, user_id: call.userId },
    `failing a payment (payment_fail ${fault.fail_percent}%)`,
  );
  return true;
}
