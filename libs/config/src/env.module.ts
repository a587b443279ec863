import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { ClassConstructor } from 'class-transformer';
import { BaseEnv } from './base-env';

export const SERVICE_NAME = Symbol('SERVICE_NAME');

/**
 * Provides an already validated env instance (see validateEnv) under its own class token (inject `UserEnv`
 * directly), as `BaseEnv` for the shared libraries, and through @nestjs/config's ConfigService.
 */
@Module({})
export class EnvModule {
  static forRoot<T extends BaseEnv>(
    envClass: ClassConstructor<T>,
    env: T,
    serviceName: string,
  ): DynamicModule {
    return {
      module: EnvModule,
      global: true,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => ({ ...env })] })],
      providers: [
        { provide: envClass, useValue: env },
        ...(envClass === (BaseEnv as unknown) ? [] : [{ provide: BaseEnv, useValue: env }]),
        { provide: SERVICE_NAME, useValue: serviceName },
      ],
      exports: [envClass, BaseEnv, SERVICE_NAME],
    };
  }
}
