import type { ServiceDatabaseOptions } from '@food-delivery/database';
import { Menu } from './menus/menu.entity';
import { CreateRestaurantSchema1763900000000 } from './migrations/1763900000000-create-restaurant-schema';
import { AddMenuImageUrl1766000000000 } from './migrations/1766000000000-add-menu-image-url';
import { Restaurant } from './restaurants/restaurant.entity';
import type { RestaurantEnv } from './restaurant.env';

/**
 * Everything TypeORM needs to know about the restaurant service's own schema. Entities: the tables queried through
 * TypeORM; the reservation ledger and stock adjustments are SQL only (reservations/, inventory/, admin/).
 */
export const RESTAURANT_DATABASE: ServiceDatabaseOptions = {
  schema: 'restaurant',
  entities: [Restaurant, Menu],
  migrations: [CreateRestaurantSchema1763900000000, AddMenuImageUrl1766000000000],
  applicationName: 'restaurant-service',
  // Inventory transactions wait this long at most for a menu row lock (then 503 INVENTORY_BUSY).
  lockTimeoutMs: (env) => (env as RestaurantEnv).INVENTORY_LOCK_TIMEOUT_MS,
};
