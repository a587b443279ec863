import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@food-delivery/auth';
import { ChaosModule } from '@food-delivery/chaos';
import { EnvModule } from '@food-delivery/config';
import { DatabaseModule } from '@food-delivery/database';
import { HealthModule } from '@food-delivery/health';
import { LoggingModule } from '@food-delivery/logging';
import { MetricsModule } from '@food-delivery/observability';
import { RedisModule } from '@food-delivery/redis';
import { AuditModule } from './audit/audit.module';
import { ORDER_DATABASE } from './database';
import { DownstreamModule } from './downstream/downstream.module';
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
        EnvModule.forRoot(OrderEnv, env, SERVICE),
        LoggingModule.forRoot(),
        DatabaseModule.forRoot(ORDER_DATABASE),
        RedisModule,
        // Tokens are issued by the user service; a configured PEM avoids fetching its JWKS.
        AuthModule.forRoot(
          env.JWT_PUBLIC_KEY
            ? { publicKeyPem: env.JWT_PUBLIC_KEY.replace(/\\n/g, '\n') }
            : { jwksUrl: env.JWKS_URL },
        ),
        HealthModule,
        MetricsModule,
        // The spec's POST /chaos/payment_fail (+ delay, error, GET/DELETE /chaos), shared by every replica.
        ChaosModule.forRoot({ knobs: ['payment_fail'] }),
        DownstreamModule,
        OrdersModule,
        AuditModule,
      ],
      providers: [StartupService],
    };
  }
}
