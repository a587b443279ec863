import { Module, type DynamicModule } from '@nestjs/common';
import { BaseEnv, SERVICE_NAME } from '@food-delivery/config';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { activeTraceIds } from './trace-context';

/** Paths whose successful requests are too frequent and too dull to log one line each. */
const QUIET_PATHS = /^\/(health\/|metrics)/;

/** Header and body fields never written to logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-chaos-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.privateKey',
  '*.private_key',
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
                ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? ''),
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
