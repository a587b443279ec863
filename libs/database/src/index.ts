export { DatabaseModule, type DatabaseModuleOptions } from './database.module';
export { serviceDataSourceOptions, type ServiceDatabaseOptions } from './data-source-options';
export { ensureDatabase } from './ensure-database';
export { runMigrations } from './migrate';
export { isUniqueViolation, sqlState } from './pg-errors';
export { PreparedStatement, type PreparedStatementOptions } from './prepared-statement';
