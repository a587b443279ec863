import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { activeTraceIds } from '@food-delivery/logging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, defaultCode, errorBody, type ErrorBody } from './api-error';

/** Fastify's own errors (body parsing, limits) carry a statusCode and an FST_ code. */
interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const FRAMEWORK_ERRORS: Record<string, { code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'INVALID_JSON',
    message: 'Request body is empty but declared as JSON',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported Content-Type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'BAD_REQUEST',
    message: 'Content-Length does not match the body',
  },
};

/** Postgres / pool failures that mean "the database is unavailable right now", not "the request is wrong". */
function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '53300', '08006', '08001'].includes(
      e.code ?? '',
    ) || /timeout exceeded when trying to connect|Connection terminated/i.test(e.message ?? '')
  );
}

/** Renders every error as {statusCode, code, message, traceId}; never leaks internals on 5xx. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const traceId = activeTraceIds().trace_id ?? String(request?.id ?? '');
    const { body, headers } = this.toBody(exception, traceId);
    if (body.statusCode >= 500 && !(exception instanceof ApiError)) {
      this.logger.error({ err: exception, traceId, url: request?.url }, 'Unhandled error');
    }
    if (reply.sent) return;
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown, traceId: string): { body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof ApiError) {
      const { headers = {}, ...extra } = exception.extra;
      return {
        body: errorBody(exception.getStatus(), exception.code, exception.message, traceId, extra),
        headers,
      };
    }
    // Nest wraps Fastify's 4xx errors (body parsing, limits) in an HttpException with the original as cause.
    const frameworkCode = ((exception as { cause?: FrameworkError })?.cause ?? (exception as FrameworkError))
      ?.code;
    if (frameworkCode && FRAMEWORK_ERRORS[frameworkCode]) {
      const status =
        exception instanceof HttpException
          ? exception.getStatus()
          : ((exception as FrameworkError).statusCode ?? 400);
      const { code, message } = FRAMEWORK_ERRORS[frameworkCode];
      return { body: errorBody(status, code, message, traceId), headers: {} };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
      return { body: errorBody(status, defaultCode(status), message, traceId), headers: {} };
    }
    const framework = exception as FrameworkError;
    if (exception instanceof SyntaxError && framework.statusCode === 400) {
      return {
        body: errorBody(400, 'INVALID_JSON', 'Request body is not valid JSON', traceId),
        headers: {},
      };
    }
    if (framework?.statusCode && framework.statusCode >= 400 && framework.statusCode < 500) {
      const status = framework.statusCode;
      return {
        body: errorBody(status, defaultCode(status), framework.message ?? 'Bad request', traceId),
        headers: {},
      };
    }
    if (isDatabaseUnavailable(exception)) {
      return {
        body: errorBody(
          503,
          'DATABASE_UNAVAILABLE',
          'The database is unavailable, try again shortly',
          traceId,
          {
            dependency: 'postgres',
          },
        ),
        headers: { 'retry-after': '1' },
      };
    }
    return {
      body: errorBody(500, 'INTERNAL_ERROR', 'Internal server error', traceId),
      headers: {},
    };
  }
}
