import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { BaseEnv } from '@food-delivery/config';
import { requestIdFrom } from '@food-delivery/logging';
import { Logger } from 'nestjs-pino';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { errorBody } from './api-error';
import { ApiExceptionFilter } from './api-exception.filter';
import { installBodyParsing } from './body-parsing';
import { setupDocs, type DocsOptions } from './docs';
import { createAdmissionControl, isSheddingExempt } from './load-shedding';
import { clientErrorHandler, frameworkErrors, requireHost } from './pre-route-errors';
import { createValidationPipe } from './validation';

export interface ServiceAppOptions {
  /** The service's validated env (the same instance its root module provides). */
  env: BaseEnv;
  docs: DocsOptions;
}

/** Node's HTTP server with the timeouts every service uses (Fastify sets none on a server it did not create). */
function createHttpServer(listener: RequestListener): Server {
  // Node would answer a missing Host with an empty 400; requireHost answers it in the common shape.
  const server = createServer({ requireHostHeader: false }, listener);
  // Bounded waits: slow or idle clients cannot hold sockets forever.
  server.setTimeout(60_000);
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 120_000;
  return server;
}

/**
 * Creates a service's Nest app on Fastify with everything every service shares: pino logging, request ids,
 * admission control, bounded body parsing, the error shape (also for what Node and Fastify answer before a
 * route), strict validation, Swagger/ReDoc and graceful shutdown. Does not listen.
 */
export async function createServiceApp(
  rootModule: DynamicModule,
  options: ServiceAppOptions,
): Promise<NestFastifyApplication> {
  const admission = createAdmissionControl({
    maxInFlight: options.env.MAX_IN_FLIGHT_REQUESTS,
    maxEventLoopDelayMs: options.env.MAX_EVENT_LOOP_DELAY_MS,
  });
  const adapter = new FastifyAdapter({
    // The default of every route; a route that needs more says so (@BodyLimit).
    bodyLimit: options.env.BODY_LIMIT_BYTES,
    trustProxy: true,
    // Long path parameters reach the route, whose own check answers them (400 INVALID_ID): URLs are already
    // bounded by Node's header limit (16 KiB, 431 beyond).
    routerOptions: { maxParamLength: 16 * 1024 },
    frameworkErrors,
    clientErrorHandler,
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => requestIdFrom(request),
    return503OnClosing: true,
    // Admission control runs in the server's own request listener, before Fastify: an overloaded service refuses
    // a request before routing, hooks, logging, tracing or parsing, so excess load costs almost nothing.
    serverFactory: (handler: RequestListener) => createHttpServer(admission.wrap(handler)),
  });
  installBodyParsing(adapter, options.env.BODY_LIMIT_BYTES);
  adapter.getInstance().addHook('onRequest', requireHost);
  adapter.getInstance().addHook('onClose', (_instance, done) => {
    admission.close();
    done();
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

const urlOf = (host: string, port: number) =>
  `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;

/**
 * Listens on the env's HOST/PORT/LISTEN_BACKLOG and returns the bound URL (port 0 picks a free port, for tests).
 * With MANAGEMENT_PORT, also on the management listener (see listenManagement).
 */
export async function listen(app: NestFastifyApplication): Promise<string> {
  const env = app.get(BaseEnv);
  await app.listen({ port: env.PORT, host: env.HOST, backlog: env.LISTEN_BACKLOG });
  const address = (app.getHttpServer() as import('node:net').Server).address() as { port: number };
  if (env.MANAGEMENT_PORT > 0) await listenManagement(app, env.MANAGEMENT_PORT, env.MANAGEMENT_HOST);
  return urlOf(env.HOST, address.port);
}

/**
 * A second listener (loopback by default) that serves only /health/*, /metrics and /chaos, through the same
 * Fastify instance: its own accept queue, so probes and the chaos off switch get through while a connection storm
 * fills the main one. They stay on the main port too. Closed with the app; returns its URL.
 */
export async function listenManagement(
  app: NestFastifyApplication,
  port: number,
  host: string,
): Promise<string> {
  const fastify = app.getHttpAdapter().getInstance();
  const management = createHttpServer((request, response) => {
    if (isSheddingExempt(request.url ?? '')) return fastify.routing(request, response);
    const body = JSON.stringify(
      errorBody(
        404,
        'NOT_FOUND',
        'The management port serves /health/*, /metrics and /chaos only',
        requestIdFrom(request),
      ),
    );
    response.writeHead(404, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
  management.on('clientError', clientErrorHandler);
  await new Promise<void>((resolve, reject) => {
    management.once('error', reject);
    management.listen({ port, host }, () => resolve());
  });
  app.getHttpServer().once('close', () => {
    management.closeAllConnections();
    management.close();
  });
  return urlOf(host, (management.address() as { port: number }).port);
}
