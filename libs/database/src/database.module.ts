import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BaseEnv } from '@food-delivery/config';
import { serviceDataSourceOptions, type ServiceDatabaseOptions } from './data-source-options';

/** TypeORM for one service's own schema, configured from the validated env. */
@Module({})
export class DatabaseModule {
  static forRoot(options: ServiceDatabaseOptions): DynamicModule {
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
    };
  }
}
