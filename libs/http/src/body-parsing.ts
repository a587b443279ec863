import { Busboy, type BusboyHeaders } from '@fastify/busboy';
import { applyDecorators } from '@nestjs/common';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { parse as parseQueryString } from 'node:querystring';
import { ApiError } from './api-error';

/** Body size of a route that declares nothing larger: every request body this API takes is small. */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Shape limits of a request body, checked on the parsed JSON in one linear pass before any DTO is built
 * (class-transformer's cost grows with the square of an object's keys, and it recurses without bound).
 */
export const BODY_SHAPE_LIMITS = {
  /** Nesting of objects and arrays (the top-level value is depth 1). */
  maxDepth: 8,
  /** Keys of one object. */
  maxKeys: 64,
  /** Items of one array (the largest list a route takes: 1000 menu ids of POST /admin/stock/reset). */
  maxArrayItems: 1000,
} as const;

/**
 * A route whose body may be larger than DEFAULT_BODY_LIMIT_BYTES (e.g. a batch). Enforced by Fastify before the
 * body is read: a larger Content-Length is refused at once, a longer stream as soon as it passes the limit.
 */
export const BodyLimit = (bytes: number) => applyDecorators(RouteConfig({ bodyLimit: bytes }));

const invalidJson = (message: string) => new ApiError(400, 'INVALID_JSON', message);
/** Valid JSON that no field of this API accepts: a 400 like any other validation problem. */
const invalidValue = (message: string) =>
  new ApiError(400, 'VALIDATION_FAILED', message, { details: [message] });
const tooComplex = (message: string) => new ApiError(400, 'BODY_TOO_COMPLEX', message);

function checkString(value: string, what: string): ApiError | null {
  if (value.includes('\u0000')) return invalidValue(`${what} contains a NUL character (\\u0000)`);
  // String.prototype.isWellFormed (Node 20+; the project's TypeScript lib predates it).
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed())
    return invalidJson(`${what} contains a lone surrogate (not valid Unicode)`);
  return null;
}

function checkNumber(value: number): ApiError | null {
  if (!Number.isFinite(value)) return invalidValue('A number in the request body is out of range');
  if (Number.isInteger(value)) {
    return Number.isSafeInteger(value)
      ? null
      : invalidValue(`A number in the request body is beyond ±${Number.MAX_SAFE_INTEGER}`);
  }
  // A fraction only an exponent can write (|x| < 1e-6) is below any precision this API keeps.
  return String(value).includes('e')
    ? invalidValue('A fractional number in the request body is too small to be meaningful (|x| < 0.000001)')
    : null;
}

/**
 * Checks a parsed body in one pass with an explicit stack (no recursion, linear in its size): depth, keys per
 * object, items per array, every string and key (no NUL, no lone surrogate), every number (finite, integers
 * within the safe range) and prototype-poisoning keys. Returns the first problem, or null.
 */
export function bodyShapeProblem(body: unknown, limits = BODY_SHAPE_LIMITS): ApiError | null {
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = checkString(value, 'A string in the request body');
      if (problem) return problem;
    } else if (typeof value === 'number') {
      const problem = checkNumber(value);
      if (problem) return problem;
    } else if (value !== null && typeof value === 'object') {
      if (depth > limits.maxDepth) {
        return tooComplex(`The request body nests deeper than ${limits.maxDepth} levels`);
      }
      if (Array.isArray(value)) {
        if (value.length > limits.maxArrayItems) {
          return tooComplex(`An array in the request body has more than ${limits.maxArrayItems} items`);
        }
        for (const item of value) stack.push([item, depth + 1]);
        continue;
      }
      const keys = Object.keys(value);
      if (keys.length > limits.maxKeys) {
        return tooComplex(`An object in the request body has more than ${limits.maxKeys} keys`);
      }
      for (const key of keys) {
        const item = (value as Record<string, unknown>)[key];
        if (key === '__proto__' || (key === 'constructor' && item !== null && typeof item === 'object')) {
          return invalidJson(`The request body contains a forbidden key "${key}"`);
        }
        const problem = checkString(key, 'A key in the request body');
        if (problem) return problem;
        stack.push([item, depth + 1]);
      }
    }
  }
  return null;
}

type Done = (error: Error | null, body?: unknown) => void;

/** The body as text, or an error when it is not UTF-8 (decoding would silently turn bad bytes into U+FFFD). */
function utf8Text(body: Buffer): string | ApiError {
  return isUtf8(body) ? body.toString('utf8') : invalidJson('The request body is not valid UTF-8');
}

/** application/json (and +json types): empty → no body, else JSON.parse then the shape check. */
export function parseJsonBody(_request: FastifyRequest, body: Buffer, done: Done): void {
  if (body.length === 0) return done(null, undefined);
  const text = utf8Text(body);
  if (text instanceof ApiError) return done(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return done(invalidJson('Request body is not valid JSON'));
  }
  const problem = bodyShapeProblem(parsed);
  if (problem) return done(problem);
  done(null, parsed);
}

/** application/x-www-form-urlencoded (OAuth2 forms): at most maxKeys fields, then the same shape check. */
export function parseFormBody(_request: FastifyRequest, body: Buffer, done: Done): void {
  if (body.length === 0) return done(null, undefined);
  const text = utf8Text(body);
  if (text instanceof ApiError) return done(text);
  const maxKeys = BODY_SHAPE_LIMITS.maxKeys;
  // maxKeys + 1 pairs at most are read: one more than allowed is enough to refuse.
  const parsed = parseQueryString(text, '&', '=', { maxKeys: maxKeys + 1 });
  if (Object.keys(parsed).length > maxKeys) {
    return done(tooComplex(`The form has more than ${maxKeys} fields`));
  }
  const problem = bodyShapeProblem(parsed);
  if (problem) return done(problem);
  // A plain object: the null-prototype object of querystring would be copied key by key anyway.
  done(null, { ...parsed });
}

/** Longest field value a multipart form may carry (a password, a username): larger is a 400, not a truncation. */
const MULTIPART_FIELD_BYTES = 4096;

/**
 * multipart/form-data, which browsers send for `FormData` (the original frontend's login): text fields only, at
 * most maxKeys of them and MULTIPART_FIELD_BYTES each, then the same shape check as every other body.
 */
export function parseMultipartBody(request: FastifyRequest, body: Buffer, done: Done): void {
  if (body.length === 0) return done(null, undefined);
  const maxKeys = BODY_SHAPE_LIMITS.maxKeys;
  let settled = false;
  const finish = (error: Error | null, value?: unknown) => {
    if (settled) return;
    settled = true;
    done(error, value);
  };
  const fields: Record<string, string> = {};
  let parser: InstanceType<typeof Busboy>;
  try {
    parser = new Busboy({
      headers: request.headers as BusboyHeaders,
      limits: { fields: maxKeys, fieldSize: MULTIPART_FIELD_BYTES, files: 0, parts: maxKeys + 1 },
    });
  } catch {
    return finish(invalidForm('multipart/form-data needs a boundary'));
  }
  parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated)
      return finish(tooComplex(`Form field ${name} is longer than ${MULTIPART_FIELD_BYTES} bytes`));
    if (name === '__proto__') return finish(invalidForm('Form field names must not be __proto__'));
    fields[name] = value;
  });
  parser.on('file', (_name, stream) => {
    stream.resume();
    finish(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'File uploads are not accepted'));
  });
  parser.on('filesLimit', () =>
    finish(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'File uploads are not accepted')),
  );
  for (const limit of ['fieldsLimit', 'partsLimit'] as const) {
    parser.on(limit, () => finish(tooComplex(`The form has more than ${maxKeys} fields`)));
  }
  parser.on('error', () => finish(invalidForm('The multipart/form-data body is malformed')));
  parser.on('finish', () => {
    const problem = bodyShapeProblem(fields);
    finish(problem ?? null, problem ? undefined : { ...fields });
  });
  parser.end(body);
}

const invalidForm = (message: string) => new ApiError(400, 'INVALID_FORM', message);

/** Any other media type: an empty body is no body (bodiless POSTs), anything else is 415. */
export function parseOtherBody(_request: FastifyRequest, body: Buffer, done: Done): void {
  if (body.length === 0) return done(null, undefined);
  done(
    new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Unsupported Content-Type: send application/json (or a form where documented)',
    ),
  );
}

/**
 * Replaces the default body parsers (Nest's, and Fastify's built-in ones) with the bounded ones above, and gives
 * every route DEFAULT_BODY_LIMIT_BYTES (or `defaultLimit`) unless it declares more with @BodyLimit. Call on the
 * adapter before NestFactory.create, so that Nest finds the parsers registered and every route passes onRoute.
 */
export function installBodyParsing(adapter: FastifyAdapter, defaultLimit = DEFAULT_BODY_LIMIT_BYTES): void {
  const fastify = adapter.getInstance();
  fastify.removeAllContentTypeParsers();
  adapter.useBodyParser(['application/json'], false, undefined, parseJsonBody);
  adapter.useBodyParser(['application/x-www-form-urlencoded'], false, undefined, parseFormBody);
  adapter.useBodyParser(['multipart/form-data'], false, undefined, parseMultipartBody);
  // Other JSON media types (application/merge-patch+json, application/problem+json…).
  adapter.useBodyParser(/^application\/[^;]*\+json\s*(;|$)/i, false, undefined, parseJsonBody);
  adapter.useBodyParser(['*'], false, undefined, parseOtherBody);
  fastify.addHook('onRoute', (route) => {
    const declared = (route.config as { bodyLimit?: number } | undefined)?.bodyLimit;
    route.bodyLimit ??= Math.max(declared ?? 0, defaultLimit);
  });
}
