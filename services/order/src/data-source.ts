import { BaseEnv, validateEnv } from '@food-delivery/config';
import { serviceDataSourceOptions } from '@food-delivery/database';
import { DataSource } from 'typeorm';
import { ORDER_DATABASE } from './database';

/**
 * For the TypeORM CLI: `npm run migration:run -w @food-delivery/order-service`. Only the database settings are
 * read: running migrations needs no service credentials.
 */
export default new DataSource(
  serviceDataSourceOptions(validateEnv(BaseEnv, process.env, 'order-service'), ORDER_DATABASE),
);
