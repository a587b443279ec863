import { Body, Controller, Get, HttpCode, Module, Param, Post, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthModule, Public } from '@food-delivery/auth';
import { BaseEnv, EnvModule, validateEnv } from '@food-delivery/config';
import { createServiceApp } from '@food-delivery/http';
import { createTestTokens, type TestTokens } from '@food-delivery/testing';
import { LoggingModule } from '@food-delivery/logging';
import { MetricsModule } from '@food-delivery/observability';
import { RedisModule } from '@food-delivery/redis';
import { performance } from 'node:perf_hooks';
import {
  ChaosModule,
  ChaosService,
  CHAOS_DOCS_TAG,
  covers,
  hangKnob,
  processKnobs,
  type AnyChaosKnob,
  type FaultMatch,
} from '../src';
import { probeInventoryDelayKnob, probePaymentFailKnob } from './probe-knobs';

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
  async inventory(@Body() body?: { menu_id?: number }) {
    const fault = this.chaos.active<{ delay_ms: number; percent: number; match: FaultMatch | null }>(
      'inventory_delay',
    );
    const call = { menuIds: body?.menu_id ? [body.menu_id] : [] };
    if (!fault || !covers(fault.match, call) || !this.chaos.roll(fault.percent)) return { waited_ms: 0 };
    this.chaos.injected(
      fault,
      { delay_ms: fault.delay_ms },
      `delaying an inventory update by ${fault.delay_ms}ms`,
    );
    const started = performance.now();
    await this.chaos.sleep(fault.delay_ms);
    return { waited_ms: Math.round(performance.now() - started) };
  }

  /** Stands in for the order service's payment step. */
  @Post('pay')
  @HttpCode(200)
  pay(@Body() body?: { user_id?: number }) {
    const fault = this.chaos.active<{ fail_percent: number; match: FaultMatch | null }>('payment_fail');
    const call = { userId: body?.user_id ?? null };
    if (!fault || !covers(fault.match, call) || !this.chaos.roll(fault.fail_percent))
      return { failed: false };
    this.chaos.injected(fault, { fail_percent: fault.fail_percent }, 'failing a payment');
    return { failed: true };
  }

  /** Same path as the real health endpoints, which chaos must leave alone. */
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

@Module({})
class ProbeModule {
  static forRoot(env: BaseEnv, service: string, knobs: AnyChaosKnob[], publicKeyPem: string): DynamicModule {
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
  knobs?: AnyChaosKnob[];
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
        options.knobs ?? [
          probeInventoryDelayKnob,
          probePaymentFailKnob,
          // Caps of a small deployment: the cpu knob is refused above half a core.
          ...processKnobs({ maxCpuPercent: 50, destructiveTtlS: 300, maxBlockMs: 500, maxLeakMb: 64 }),
          hangKnob({ destructiveTtlS: 300, maxHungRequests: env.CHAOS_MAX_HUNG_REQUESTS }),
        ],
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
