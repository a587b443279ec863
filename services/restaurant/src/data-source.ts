import { validateEnv } from '@food-delivery/config';
import { serviceDataSourceOptions } from '@food-delivery/database';
import { DataSource } from 'typeorm';
import { RESTAURANT_DATABASE } from './database';
import { RestaurantEnv } from './restaurant.env';

/** For the TypeORM CLI: `npm run migration:run -w @food-delivery/restaurant-service`. */
export default new DataSource(
  serviceDataSourceOptions(
    validateEnv(RestaurantEnv, process.env, 'restaurant-service'),
    RESTAURANT_DATABASE,
  ),
);
