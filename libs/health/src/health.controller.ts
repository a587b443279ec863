import { Controller, Get, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { BaseEnv } from '@food-delivery/config';
import { Public } from '@food-delivery/auth';
import { ChaosService } from '@food-delivery/chaos';
import { RedisService } from '@food-delivery/redis';
import { readinessFailKnob } from './readiness-fail.knob';
import { DatabaseProbe } from './database-probe';

/** Dependency checks are cached briefly so a storm of probes cannot turn into a storm of pings. */
const CHECK_CACHE_MS = 1000;
const CHECK_TIMEOUT_MS = 1500;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseProbe,
    private readonly redis: RedisService,
    private readonly env: BaseEnv,
    @Optional() private readonly chaos?: ChaosService,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: '👉 Liveness: the process answers (no dependency checks)' })
  live(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.report(reply, []);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: '👉 Readiness: Postgres and Redis answer (503 when a required one does not)' })
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.report(reply, [() => this.chaosCheck(), () => this.postgresCheck(), () => this.redisCheck()]);
  }

  /** The chaos `readiness_fail` knob: down while it is in force on this replica. */
  private chaosCheck() {
    const session = this.indicators.check('chaos');
    const fault = this.chaos?.active(readinessFailKnob.name);
    if (!fault) return session.up();
    this.chaos?.injected(fault, {}, 'failing the readiness probe (readiness_fail)');
    return session.down({ message: 'chaos: readiness_fail' });
  }

  /** Terminus' report as the body, also on 503 (the global error filter would replace it). */
  private async report(
    reply: FastifyReply,
    checks: Parameters<HealthCheckService['check']>[0],
  ): Promise<unknown> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503).header('retry-after', '5');
      return error.getResponse();
    }
  }

  /** On a connection of its own (see DatabaseProbe): a busy pool is load, not an outage. */
  private postgresCheck() {
    return this.indicators
      .check('postgres')
      .attempt(() => this.database.ping(CHECK_TIMEOUT_MS))
      .withTimeout(CHECK_TIMEOUT_MS)
      .cacheFor(CHECK_CACHE_MS);
  }

  private redisCheck() {
    const session = this.indicators.check('redis');
    if (!this.redis.client) return session.up({ mode: 'off', message: 'Redis disabled; caching off' });
    const client = this.redis.client;
    if (!this.env.REDIS_REQUIRED && client.status !== 'ready') {
      return session.degraded({ message: 'Redis unreachable; serving without cache' });
    }
    return session
      .attempt(async () => {
        if (client.status !== 'ready') throw new Error(`Redis connection is ${client.status}`);
        await client.ping();
      })
      .withTimeout(CHECK_TIMEOUT_MS)
      .cacheFor(CHECK_CACHE_MS);
  }
}
