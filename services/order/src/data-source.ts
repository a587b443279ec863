import { validateEnv } from '@food-delivery/config';
import { serviceDataSourceOptions } from '@food-delivery/database';
import { DataSource } from 'typeorm';
import { ORDER_DATABASE } from './database';
import { OrderEnv } from './order.env';

/** For the TypeORM CLI: `npm run migration:run -w @food-delivery/order-service`. */
export default new DataSource(
  serviceDataSourceOptions(validateEnv(OrderEnv, process.env, 'order-service'), ORDER_DATABASE),
);
