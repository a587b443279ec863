import { validateEnv } from '@food-delivery/config';
import { serviceDataSourceOptions } from '@food-delivery/database';
import { DataSource } from 'typeorm';
import { USER_DATABASE } from './database';
import { UserEnv } from './user.env';

/** For the TypeORM CLI: `npm run migration:run -w @food-delivery/user-service`. */
export default new DataSource(
  serviceDataSourceOptions(validateEnv(UserEnv, process.env, 'user-service'), USER_DATABASE),
);
