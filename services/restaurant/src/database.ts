import type { ServiceDatabaseOptions } from '@food-delivery/database';
import { StockAdjustment } from './inventory/stock-adjustment.entity';
import { Menu } from './menus/menu.entity';
import { CreateRestaurantSchema1763900000000 } from './migrations/1763900000000-create-restaurant-schema';
import { AddMenuImageUrl1766000000000 } from './migrations/1766000000000-add-menu-image-url';
import { ReservationItem } from './reservations/reservation-item.entity';
import { Reservation } from './reservations/reservation.entity';
import { Restaurant } from './restaurants/restaurant.entity';
import type { RestaurantEnv } from './restaurant.env';

/** Everything TypeORM needs to know about the restaurant service's own schema. */
export const RESTAURANT_DATABASE: ServiceDatabaseOptions = {
  schema: 'restaurant',
  entities: [Restaurant, Menu, StockAdjustment, Reservation, ReservationItem],
  migrations: [CreateRestaurantSchema1763900000000, AddMenuImageUrl1766000000000],
  applicationName: 'restaurant-service',
  // Inventory transactions wait this long at most for a menu row lock (then 503 INVENTORY_BUSY).
  lockTimeoutMs: (env) => (env as RestaurantEnv).INVENTORY_LOCK_TIMEOUT_MS,
};
