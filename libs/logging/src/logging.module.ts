import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { BaseEnv, SERVICE_NAME } from '@food-delivery/config';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestTelemetry } from './request-telemetry';
import { activeTraceIds } from './trace-context';

/** Paths whose successful requests are too frequent and too dull to log one line each. */
const QUIET_PATHS = /^\/(health\/|metrics)/;

/**
 * The completion line of a request: route template, status and duration (`responseTime`, ms) with the trace ids
 * the metrics hook saw, so the line links to the trace even if it is written outside the request's context.
 */
function completion(req: IncomingMessage, _res: ServerResponse, fields: Record<string, unknown>) {
  const telemetry = requestTelemetry(req);
  if (!telemetry) return fields;
  return { route: telemetry.route, trace_id: telemetry.trace_id, span_id: telemetry.span_id, ...fields };
}

/** The message of the Error pino-http makes up for a 5xx answer that has no error of its own. */
const SYNTHETIC_ERROR = /^failed with status code \d+$/;

/** Fields that hold secrets, wherever this code base could log them: at the top of a log object or in a body/DTO. */
const SECRET_KEYS = [
  'password',
  'access_token',
  'refresh_token',
  'token',
  'privateKey',
  'private_key',
  'client_secret',
];

/**
 * Header and body fields never written to logs. Explicit paths, no wildcards: a wildcard makes the redactor walk
 * every key of every log object and of every request's bindings (it tripled pino's cost per request).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-chaos-key"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `body.${key}`),
  ...SECRET_KEYS.map((key) => `dto.${key}`),
];

/** nestjs-pino preset: JSON lines on stdout with service, instance, request id and trace ids. */
@Module({})
export class LoggingModule {
  static forRoot(): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [BaseEnv, SERVICE_NAME],
          useFactory: (env: BaseEnv, service: string) => ({
            // nestjs-pino's default route pattern (`{/*splat}`) matches no request on Nest 12 + Fastify, which
            // left every request unlogged; `{*splat}` matches them all.
            forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
            pinoHttp: {
              level: env.LOG_LEVEL,
              base: { service, instance: env.INSTANCE_ID },
              messageKey: 'msg',
              timestamp: () => `,"time":"${new Date().toISOString()}"`,
              formatters: { level: (label: string) => ({ level: label }) },
              mixin: () => activeTraceIds(),
              redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
              // Fastify already assigned req.id (see createServiceApp); reuse it so logs and responses agree.
              genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? '',
              autoLogging: {
                // Nest's middleware adapter may have rewritten req.url ("/"); originalUrl is the request's own.
                ignore: (req: IncomingMessage & { originalUrl?: string }) =>
                  QUIET_PATHS.test(req.originalUrl ?? req.url ?? ''),
              },
              customSuccessObject: completion,
              customErrorObject: (
                req: IncomingMessage,
                res: ServerResponse,
                error: Error,
                fields: object,
              ) => {
                const line = completion(req, res, fields as Record<string, unknown>);
                // pino-http invents an Error for every 5xx answer; its stack (pino-http's own frames) says
                // nothing and costs a stack trace per line. Real errors are logged where they are handled.
                if (SYNTHETIC_ERROR.test(error?.message ?? '')) delete line.err;
                return line;
              },
              customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
                error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
              serializers: {
                req: (req: {
                  id: string;
                  method: string;
                  url: string;
                  headers: Record<string, unknown>;
                }) => ({
                  id: req.id,
                  method: req.method,
                  url: req.url,
                  headers: {
                    'user-agent': req.headers['user-agent'],
                    'x-request-id': req.headers['x-request-id'],
                  },
                }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
            },
          }),
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
