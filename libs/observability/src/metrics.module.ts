import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Optional,
  Req,
  Res,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '@food-delivery/auth';
import { SERVICE_NAME } from '@food-delivery/config';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { instrumentHttpServer } from './http-metrics';
import { OPENMETRICS_CONTENT_TYPE, renderOpenMetrics, wantsOpenMetrics } from './openmetrics';
import { trackPgPool, type PgPoolStats } from './pg-pool-metrics';
import { flushTracing } from './tracing-handle';

/**
 * Default Node/process metrics, labelled with the service. prom-client's default registry is per process and
 * refuses duplicate metrics, so this runs once even when a process hosts several apps (tests).
 */
@Injectable()
export class DefaultMetrics {
  private static started = false;

  constructor(@Inject(SERVICE_NAME) service: string) {
    if (DefaultMetrics.started) return;
    DefaultMetrics.started = true;
    register.setDefaultLabels({ service });
    collectDefaultMetrics();
  }
}

@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  @Get()
  @ApiOperation({
    summary: '👉 Prometheus metrics',
    description:
      'Every metric of the process in the Prometheus text format (scraped by Prometheus). With ' +
      '`Accept: application/openmetrics-text` (what Prometheus sends), the OpenMetrics format, whose latency ' +
      'histograms carry trace-id exemplars that link to the trace in Tempo.',
  })
  @ApiProduces('text/plain', 'application/openmetrics-text')
  @ApiOkResponse({ description: 'Prometheus text or OpenMetrics exposition format', type: String })
  async metrics(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (wantsOpenMetrics(request.headers.accept)) {
      void reply.header('content-type', OPENMETRICS_CONTENT_TYPE);
      return renderOpenMetrics();
    }
    void reply.header('content-type', register.contentType);
    return register.metrics();
  }
}

/** Request duration by route template for every route of the app (a global Fastify hook). */
@Injectable()
export class HttpServerMetrics implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (typeof fastify?.addHook === 'function') instrumentHttpServer(fastify);
  }
}

/** pg pool gauges from the service's TypeORM DataSource, when it has one. */
@Injectable()
export class PgPoolMetrics implements OnModuleInit, OnModuleDestroy {
  private untrack?: () => void;

  constructor(@Optional() private readonly dataSource?: DataSource) {}

  onModuleInit(): void {
    const dataSource = this.dataSource;
    if (!dataSource) return;
    // The postgres driver's `master` is node-postgres' Pool (created when the DataSource initialises).
    this.untrack = trackPgPool(() =>
      dataSource.isInitialized ? (dataSource.driver as { master?: PgPoolStats }).master : undefined,
    );
  }

  onModuleDestroy(): void {
    this.untrack?.();
  }
}

/** Exports the spans still buffered when the app shuts down (after the HTTP server stopped taking requests). */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return flushTracing();
  }
}

/**
 * GET /metrics (no token needed), HTTP server metrics by route template, pg pool and Node runtime metrics, and
 * the span flush at shutdown. Needs the EnvModule (SERVICE_NAME).
 */
@Module({
  controllers: [MetricsController],
  providers: [DefaultMetrics, HttpServerMetrics, PgPoolMetrics, TracingShutdown],
})
export class MetricsModule {}
