import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BaseEnv } from '@food-delivery/config';
import { DataSource } from 'typeorm';
import { serviceDataSourceOptions, type ServiceDatabaseOptions } from './data-source-options';
import { runMigrations } from './migrate';

export interface DatabaseModuleOptions extends ServiceDatabaseOptions {
  /**
   * Run the pending migrations when the application boots. Nest bootstraps deeper modules first, so this runs
   * before the bootstrap hooks of the modules that import this one (seeding, workers) and of the root module.
   */
  migrateOnBoot?: boolean;
}

const DATABASE_MODULE_OPTIONS = Symbol('DATABASE_MODULE_OPTIONS');

/** Brings the service's schema up to date at boot (`migrateOnBoot`). */
@Injectable()
class MigrateOnBoot implements OnApplicationBootstrap {
  private readonly logger = new Logger('Migrations');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE_MODULE_OPTIONS) private readonly options: DatabaseModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const applied = await runMigrations(this.dataSource, this.options.schema);
    if (applied.length) this.logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  }
}

/** TypeORM for one service's own schema, configured from the validated env. */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [BaseEnv],
          useFactory: (env: BaseEnv) => ({
            ...serviceDataSourceOptions(env, options),
            // Boot fails fast with a readable error instead of retrying for minutes.
            retryAttempts: 3,
            retryDelay: 1000,
          }),
        }),
      ],
      providers: options.migrateOnBoot
        ? [{ provide: DATABASE_MODULE_OPTIONS, useValue: options }, MigrateOnBoot]
        : [],
    };
  }
}
