import { Injectable } from '@nestjs/common';
import { ChaosService } from '@food-delivery/chaos';
import { shouldFailPayment, type PaymentCall } from '../chaos/payment-fail.knob';

/**
 * The simulated payment provider. Payments succeed unless the `payment_fail` chaos knob says otherwise
 * (`POST /chaos/payment_fail {"fail_percent": 30}`), which is how the spec exercises the saga's rollback.
 */
@Injectable()
export class PaymentService {
  constructor(private readonly chaos: ChaosService) {}

  /** True when the order is paid. */
  charge(payment: PaymentCall): boolean {
    return !shouldFailPayment(this.chaos, payment);
  }
}
