import { Controller, Get, HttpCode, Module, Param, Post, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthModule, Public } from '@food-delivery/auth';
import { BaseEnv, EnvModule, validateEnv } from '@food-delivery/config';
import { createServiceApp } from '@food-delivery/http';
import { createTestTokens, type TestTokens } from '@food-delivery/testing';
import { LoggingModule } from '@food-delivery/logging';
import { MetricsModule } from '@food-delivery/observability';
import { RedisModule } from '@food-delivery/redis';
import { ChaosModule, ChaosService, CHAOS_DOCS_TAG, type ServiceKnob } from '../src';

/** A tiny service built from the shared libs, so the chaos library is tested without any service's domain. */
@Public()
@Controller()
class ProbeController {
  constructor(private readonly chaos: ChaosService) {}

  @Get('ping')
  ping() {
    return { ok: true };
  }

  @Get('users/:id')
  user(@Param('id') id: string) {
    return { id };
  }

  @Post('validate')
  @HttpCode(200)
  validate() {
    return { valid: true };
  }

  /** Stands in for the restaurant's locked inventory update. */
  @Post('inventory')
  @HttpCode(200)
  async inventory() {
    return { waited_ms: await this.chaos.applyInventoryDelay() };
  }

  /** Stands in for the order service's payment step. */
  @Post('pay')
  @HttpCode(200)
  pay() {
    return { failed: this.chaos.shouldFailPayment() };
  }

  /** Same path as the real health endpoints, which chaos must leave alone. */
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

@Module({})
class ProbeModule {
  static forRoot(env: BaseEnv, service: string, knobs: ServiceKnob[], publicKeyPem: string): DynamicModule {
    return {
      module: ProbeModule,
      imports: [
        EnvModule.forRoot(BaseEnv, env, service),
        AuthModule.forRoot({ publicKeyPem }),
        LoggingModule.forRoot(),
        RedisModule,
        MetricsModule,
        ChaosModule.forRoot({ knobs }),
      ],
      controllers: [ProbeController],
    };
  }
}

export interface ProbeOptions {
  /** Services keep chaos state apart by name: tests that must not see each other's faults use their own. */
  service?: string;
  knobs?: ServiceKnob[];
  /** Runs first on every request (registered before the chaos hook). */
  onRequest?: () => void;
  /** Whose tokens the probe trusts (operator tokens open the chaos endpoints to remote callers). */
  tokens?: TestTokens;
}

export function probeApp(options: ProbeOptions = {}) {
  return async (source: Record<string, unknown>): Promise<NestFastifyApplication> => {
    const service = options.service ?? 'chaos-probe';
    const env = validateEnv(BaseEnv, source, service);
    const app = await createServiceApp(
      ProbeModule.forRoot(
        env,
        service,
        options.knobs ?? ['inventory_delay', 'payment_fail'],
        (options.tokens ?? createTestTokens()).publicKeyPem,
      ),
      { env, docs: { title: 'Chaos probe', description: 'Test service', tags: [CHAOS_DOCS_TAG] } },
    );
    const onRequest = options.onRequest;
    if (onRequest) {
      app
        .getHttpAdapter()
        .getInstance()
        .addHook('onRequest', (_request, _reply, done) => {
          onRequest();
          done();
        });
    }
    return app;
  };
}
