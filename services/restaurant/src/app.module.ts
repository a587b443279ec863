import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@food-delivery/auth';
import { ChaosModule } from '@food-delivery/chaos';
import { EnvModule } from '@food-delivery/config';
import { DatabaseModule } from '@food-delivery/database';
import { HealthModule } from '@food-delivery/health';
import { LoggingModule } from '@food-delivery/logging';
import { MetricsModule } from '@food-delivery/observability';
import { RedisModule } from '@food-delivery/redis';
import { AdminModule } from './admin/admin.module';
import { CatalogueService } from './catalogue/catalogue.service';
import { RESTAURANT_DATABASE } from './database';
import { InventoryModule } from './inventory/inventory.module';
import { MenusModule } from './menus/menus.module';
import { ReservationsModule } from './reservations/reservations.module';
import { RestaurantEnv } from './restaurant.env';
import { RestaurantsModule } from './restaurants/restaurants.module';
import { StartupService } from './startup.service';

export const SERVICE = 'restaurant-service';

@Module({})
export class AppModule {
  static forRoot(env: RestaurantEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EnvModule.forRoot(RestaurantEnv, env, SERVICE),
        LoggingModule.forRoot(),
        DatabaseModule.forRoot(RESTAURANT_DATABASE),
        RedisModule,
        // Tokens are issued by the user service; a configured PEM avoids fetching its JWKS.
        AuthModule.forRoot(
          env.JWT_PUBLIC_KEY
            ? { publicKeyPem: env.JWT_PUBLIC_KEY.replace(/\\n/g, '\n') }
            : { jwksUrl: env.JWKS_URL },
        ),
        HealthModule,
        MetricsModule,
        // The spec's /chaos/inventory_delay (+ delay, error, GET/DELETE /chaos), shared by every replica.
        ChaosModule.forRoot({ knobs: ['inventory_delay'] }),
        RestaurantsModule,
        MenusModule,
        InventoryModule,
        ReservationsModule,
        AdminModule,
      ],
      providers: [CatalogueService, StartupService],
    };
  }
}
