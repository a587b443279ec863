import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceCoreModule, verifyTokensIssuedByUserService } from '@food-delivery/service-core';
import { AdminModule } from './admin/admin.module';
import { CatalogueService } from './catalogue/catalogue.service';
import { menuCacheFailureKnob } from './chaos/menu-cache-failure.knob';
import { inventoryDelayKnob } from './chaos/inventory-delay.knob';
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
        ServiceCoreModule.forRoot({
          service: SERVICE,
          envClass: RestaurantEnv,
          env,
          database: RESTAURANT_DATABASE,
          auth: verifyTokensIssuedByUserService(env),
          // The spec's /chaos/inventory_delay (+ delay, error, GET/DELETE /chaos), shared by every replica.
          chaos: { knobs: [inventoryDelayKnob, menuCacheFailureKnob], dependencies: ['redis'] },
        }),
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
