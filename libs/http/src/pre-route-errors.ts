import { activeTraceIds } from '@food-delivery/logging';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { defaultCode, errorBody } from './api-error';

/**
 * What Node and Fastify answer before a route runs, in the common error shape: every response of the service is
 * {statusCode, code, message, traceId}, including these.
 */

/** Sends an error body from a Fastify hook or framework callback (before Nest's exception filter exists). */
export function sendErrorBody(
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  code: string,
  message: string,
): FastifyReply {
  const body = errorBody(statusCode, code, message, activeTraceIds().trace_id ?? String(request.id ?? ''));
  return reply.code(statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
}

/** Fastify's `frameworkErrors`: a path that does not percent-decode, an over-long path parameter. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    void sendErrorBody(request, reply, 400, 'INVALID_URL', 'The request path is not valid percent-encoding');
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void sendErrorBody(request, reply, 400, 'INVALID_ID', 'A path parameter is too long');
  } else {
    void sendErrorBody(request, reply, 400, 'BAD_REQUEST', 'The request cannot be routed');
  }
}

/** What a malformed request gets from Node's parser ('clientError'): status and message by parser error. */
function clientErrorStatus(error: NodeJS.ErrnoException): { status: number; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: 'The request headers are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'The request took too long to arrive' };
    case 'HPE_URI_TOO_LONG':
      return { status: 414, message: 'The request target is too long' };
    default:
      return { status: 400, message: 'Malformed HTTP request' };
  }
}

/**
 * Fastify's `clientErrorHandler`: Node could not parse the request (request line, headers, Content-Length,
 * Transfer-Encoding…). There is no request object: the traceId is a fresh id, and the connection is closed,
 * since what follows on it cannot be trusted.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (inFlight && !inFlight.writableEnded) {
    // The bytes that cannot be parsed follow a complete request that is still being answered, e.g. the original
    // frontend's proxy re-sends a bodiless POST as "{}" but keeps `Content-Length: 0`. A 400 written now would be
    // read as that request's answer: answer it, then close the connection (what follows cannot be trusted).
    if (!inFlight.headersSent) inFlight.shouldKeepAlive = false;
    else inFlight.once('finish', () => socket.destroy());
    return;
  }
  if (!socket.writable || socket.bytesWritten > 0) {
    socket.destroy(error);
    return;
  }
  const { status, message } = clientErrorStatus(error);
  const code =
    status === 431 ? 'HEADERS_TOO_LARGE' : status === 400 ? 'MALFORMED_REQUEST' : defaultCode(status);
  const body = JSON.stringify(errorBody(status, code, message, randomUUID()));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * HTTP/1.1 requires Host. Node answers its absence with an empty 400 unless told not to (requireHostHeader:
 * false); this hook answers it in the common shape instead.
 */
export function requireHost(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  if (request.raw.httpVersion === '1.1' && !request.headers.host) {
    void sendErrorBody(request, reply, 400, 'MISSING_HOST', 'HTTP/1.1 requests must have a Host header');
    return;
  }
  done();
}
