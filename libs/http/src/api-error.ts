import { HttpException } from '@nestjs/common';

/** Body of every error response. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  /** The same text as `message`: FastAPI's field, which the original service's clients read. */
  detail: string;
  traceId: string;
  /** Field-level problems for VALIDATION_FAILED. */
  details?: string[];
  /** Downstream service that failed, for DEPENDENCY_* errors. */
  dependency?: string;
}

/** The common error body; every error the services answer is built here. */
export function errorBody(
  statusCode: number,
  code: string,
  message: string,
  traceId: string,
  extra: Pick<ErrorBody, 'details' | 'dependency'> = {},
): ErrorBody {
  return { statusCode, code, message, detail: message, traceId, ...extra };
}

/** An HTTP error with a stable machine-readable `code`, rendered as {statusCode, code, message, traceId}. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly extra: Pick<ErrorBody, 'details' | 'dependency'> & { headers?: Record<string, string> } = {},
  ) {
    super({ code, message }, status);
  }
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

export function defaultCode(status: number): string {
  return DEFAULT_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}
