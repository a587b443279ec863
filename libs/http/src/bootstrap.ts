import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { BaseEnv } from '@food-delivery/config';
import { requestIdFrom } from '@food-delivery/logging';
import { Logger } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { ApiExceptionFilter } from './api-exception.filter';
import { installBodyParsing } from './body-parsing';
import { setupDocs, type DocsOptions } from './docs';
import { installLoadShedding } from './load-shedding';
import { clientErrorHandler, frameworkErrors, requireHost } from './pre-route-errors';
import { createValidationPipe } from './validation';

export interface ServiceAppOptions {
  /** The service's validated env (the same instance its root module provides). */
  env: BaseEnv;
  docs: DocsOptions;
}

/**
 * Creates a service's Nest app on Fastify with everything every service shares: pino logging, request ids,
 * load shedding, the error shape, strict validation, Swagger/ReDoc and graceful shutdown. Does not listen.
 */
export async function createServiceApp(
  rootModule: DynamicModule,
  options: ServiceAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // The default of every route; a route that needs more says so (@BodyLimit).
    bodyLimit: options.env.BODY_LIMIT_BYTES,
    trustProxy: true,
    // Long path parameters reach the route, whose own check answers them (400 INVALID_ID): URLs are already
    // bounded by Node's header limit (16 KiB, 431 beyond).
    routerOptions: { maxParamLength: 16 * 1024 },
    // Node would answer a missing Host with an empty 400; requireHost answers it in the common shape.
    http: { requireHostHeader: false },
    frameworkErrors,
    clientErrorHandler,
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => requestIdFrom(request),
    // Bounded waits: slow or idle clients cannot hold sockets forever.
    connectionTimeout: 60_000,
    keepAliveTimeout: 65_000,
    requestTimeout: 120_000,
    return503OnClosing: true,
  });
  installBodyParsing(adapter, options.env.BODY_LIMIT_BYTES);
  adapter.getInstance().addHook('onRequest', requireHost);
  // Before Nest adds its hooks and middleware (request logging, metrics, chaos): an overloaded service refuses a
  // request before logging, validating or doing anything else with it, so excess load costs almost nothing.
  installLoadShedding(adapter.getInstance(), {
    maxInFlight: options.env.MAX_IN_FLIGHT_REQUESTS,
    maxEventLoopDelayMs: options.env.MAX_EVENT_LOOP_DELAY_MS,
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter());
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  setupDocs(app, options.docs);
  app.enableShutdownHooks();
  return app;
}

/** Listens on the env's HOST/PORT/LISTEN_BACKLOG and returns the bound URL (port 0 picks a free port, for tests). */
export async function listen(app: NestFastifyApplication): Promise<string> {
  const env = app.get(BaseEnv);
  await app.listen({ port: env.PORT, host: env.HOST, backlog: env.LISTEN_BACKLOG });
  const address = (app.getHttpServer() as import('node:net').Server).address() as { port: number };
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  return `http://${host}:${address.port}`;
}
