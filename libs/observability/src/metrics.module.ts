import { Controller, Get, Inject, Injectable, Module, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '@food-delivery/auth';
import { SERVICE_NAME } from '@food-delivery/config';
import type { FastifyReply } from 'fastify';
import { collectDefaultMetrics, register } from 'prom-client';

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
    description: 'Every metric of the process in the Prometheus text format (scraped by Prometheus).',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', type: String })
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', register.contentType);
    return register.metrics();
  }
}

/** GET /metrics (prom-client default registry, no token needed). Needs the EnvModule (SERVICE_NAME). */
@Module({ controllers: [MetricsController], providers: [DefaultMetrics] })
export class MetricsModule {}
