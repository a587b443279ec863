import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule, type AuthModuleOptions } from '@food-delivery/auth';
import { ChaosModule, dependencyKnob, hangKnob, processKnobs, type AnyChaosKnob } from '@food-delivery/chaos';
import { BaseEnv, EnvModule } from '@food-delivery/config';
import { DatabaseModule, type ServiceDatabaseOptions } from '@food-delivery/database';
import { HealthModule, readinessFailKnob } from '@food-delivery/health';
import { LoggingModule } from '@food-delivery/logging';
import { MetricsModule } from '@food-delivery/observability';
import { RedisModule } from '@food-delivery/redis';
import type { ClassConstructor } from 'class-transformer';
import { PostgresFaults } from './postgres-faults';

export interface ServiceCoreOptions<E extends BaseEnv> {
  /** e.g. "order-service": names the service in logs, metrics and traces. */
  service: string;
  envClass: ClassConstructor<E>;
  /** The validated env (the same instance the service was bootstrapped with). */
  env: E;
  database: ServiceDatabaseOptions;
  /** How access tokens are verified. */
  auth: AuthModuleOptions;
  /** The service's own chaos knobs, besides the ones every service has (delay, error, dependency, …). */
  chaos?: {
    knobs?: AnyChaosKnob[];
    /** Dependencies the `dependency` knob can target besides postgres (e.g. "user-service", "redis"). */
    dependencies?: string[];
  };
}

/**
 * What every service's root module starts with: validated env, JSON logs, its own Postgres schema, Redis, token
 * verification (a global guard), health probes, /metrics and the chaos control plane.
 */
@Module({})
export class ServiceCoreModule {
  static forRoot<E extends BaseEnv>(options: ServiceCoreOptions<E>): DynamicModule {
    return {
      module: ServiceCoreModule,
      imports: [
        EnvModule.forRoot(options.envClass, options.env, options.service),
        LoggingModule.forRoot(),
        // Migrations first: the services' own bootstrap work (seeding, saga worker) finds the schema up to date.
        DatabaseModule.forRoot({ ...options.database, migrateOnBoot: true }),
        RedisModule,
        AuthModule.forRoot(options.auth),
        HealthModule,
        MetricsModule,
        ChaosModule.forRoot({
          knobs: [
            dependencyKnob(['postgres', ...(options.chaos?.dependencies ?? [])]),
            ...processKnobs({
              maxCpuPercent: options.env.CHAOS_MAX_CPU_PERCENT,
              destructiveTtlS: options.env.CHAOS_DESTRUCTIVE_TTL_S,
              maxBlockMs: options.env.CHAOS_MAX_BLOCK_MS,
              maxLeakMb: options.env.CHAOS_MAX_LEAK_MB,
            }),
            readinessFailKnob,
            hangKnob({
              destructiveTtlS: options.env.CHAOS_DESTRUCTIVE_TTL_S,
              maxHungRequests: options.env.CHAOS_MAX_HUNG_REQUESTS,
            }),
            ...(options.chaos?.knobs ?? []),
          ],
        }),
      ],
      providers: [PostgresFaults],
    };
  }
}

/**
 * Token verification for a service that does not issue tokens: with JWT_PUBLIC_KEY when it is configured (no
 * call to the user service), else with the user service's JWKS.
 */
export function verifyTokensIssuedByUserService(env: {
  JWT_PUBLIC_KEY?: string;
  JWKS_URL: string;
}): AuthModuleOptions {
  return env.JWT_PUBLIC_KEY
    ? { publicKeyPem: env.JWT_PUBLIC_KEY.replace(/\\n/g, '\n') }
    : { jwksUrl: env.JWKS_URL };
}
