import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceCoreModule, verifyTokensIssuedByUserService } from '@food-delivery/service-core';
import { AuditModule } from './audit/audit.module';
import { orderCacheFailureKnob } from './chaos/order-cache-failure.knob';
import { paymentFailKnob } from './chaos/payment-fail.knob';
import { ORDER_DATABASE } from './database';
import { DownstreamModule } from './downstream/downstream.module';
import { RESTAURANT_SERVICE, USER_SERVICE } from './downstream/downstreams';
import { OrderEnv } from './order.env';
import { OrdersModule } from './orders/orders.module';
import { StartupService } from './startup.service';

export const SERVICE = 'order-service';

@Module({})
export class AppModule {
  static forRoot(env: OrderEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: SERVICE,
          envClass: OrderEnv,
          env,
          database: ORDER_DATABASE,
          auth: verifyTokensIssuedByUserService(env),
          // The spec's POST /chaos/payment_fail (+ delay, error, GET/DELETE /chaos), shared by every replica.
          chaos: {
            knobs: [paymentFailKnob, orderCacheFailureKnob],
            dependencies: [USER_SERVICE, RESTAURANT_SERVICE, 'redis'],
          },
        }),
        DownstreamModule,
        OrdersModule,
        AuditModule,
      ],
      providers: [StartupService],
    };
  }
}
