/**
 * The console's HTTP server (node:http): the built front end from console/dist, and /api/* for it. Every /api
 * and /results request passes the operator rule of the chaos writes (libs/auth decideOperatorAccess: loopback
 * or LOCAL_OPERATOR_ADDRESSES, else X-Chaos-Key or an operator token with chaos:write); writes also need a JSON
 * body from this origin, so another web page in the operator's browser cannot steer faults.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { Logger } from 'pino';
import type { OperatorRequest } from '@food-delivery/auth';
import type { Backend, Forwarded } from './backend';
import {
  ConsoleError,
  instanceParam,
  knobBody,
  knobName,
  MAX_BODY_BYTES,
  resultPath,
  serviceName,
  trafficMix,
  trafficRate,
} from './requests';

export interface ConsoleServerOptions {
  backend: Backend;
  /** console/dist: index.html and assets/. */
  distDir: string;
  /** Resolves how the caller was let in, or throws the refusal (ApiError from libs/auth). */
  checkAccess: (request: OperatorRequest) => Promise<unknown>;
  grafanaUrl: string | null;
  logger: Logger;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
};

/** The page loads nothing from elsewhere; reports from results/ have inline styles and scripts of their own. */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

interface ErrorShape {
  statusCode: number;
  code: string;
  message: string;
  detail: string[];
  traceId: string | null;
}

function errorShape(error: unknown): ErrorShape {
  if (error instanceof ConsoleError)
    return {
      statusCode: error.statusCode,
      code: error.code,
      message: error.message,
      detail: error.details,
      traceId: null,
    };
  // libs/http ApiError (what the operator rule throws): status, code, message.
  const api = error as { status?: number; getStatus?: () => number; code?: string; message?: string };
  const status = typeof api.getStatus === 'function' ? api.getStatus() : api.status;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return {
      statusCode: status,
      code: api.code ?? 'REFUSED',
      message: api.message ?? 'refused',
      detail: [],
      traceId: null,
    };
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal error', detail: [], traceId: null };
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    .end(JSON.stringify(body));
}

const forward = (response: ServerResponse, answer: Forwarded) => send(response, answer.status, answer.body);

async function readBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new ConsoleError(413, 'PAYLOAD_TOO_LARGE', 'body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ConsoleError(413, 'PAYLOAD_TOO_LARGE', 'body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Writes come from the console's own page: a JSON content type (a cross-site form cannot send one without a
 * CORS preflight, which this server never grants) and, when the browser names an origin, this one.
 */
function checkWrite(request: IncomingMessage, hasBody: boolean): void {
  const origin = request.headers.origin;
  if (
    origin !== undefined &&
    origin !== `http://${request.headers.host}` &&
    origin !== `https://${request.headers.host}`
  )
    throw new ConsoleError(403, 'CROSS_ORIGIN', 'Changes come from the console page only');
  if (request.headers['sec-fetch-site'] === 'cross-site')
    throw new ConsoleError(403, 'CROSS_ORIGIN', 'Changes come from the console page only');
  if (hasBody && !String(request.headers['content-type'] ?? '').startsWith('application/json'))
    throw new ConsoleError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send application/json');
}

/** localhost, *.localhost, 127.x.y.z or [::1], with any port. */
export function isLocalHostHeader(host: string | undefined): boolean {
  if (!host || host.length > 255) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

export function createConsoleServer(options: ConsoleServerOptions): Server {
  const { backend, logger } = options;

  async function api(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
    const route = `${method} /${parts[0] ?? ''}`;
    const services = backend.serviceNames;
    if (method !== 'GET') checkWrite(request, method === 'POST' && parts[0] !== 'traffic');

    if (route === 'GET /config') {
      return send(response, 200, {
        services,
        step_ms: backend.options.stepMs,
        grafana_url: options.grafanaUrl,
        launcher: backend.options.launcherUrl !== null,
        traffic: backend.options.trafficUrl !== null,
      });
    }
    if (route === 'GET /overview') {
      return send(response, 200, { launcher: backend.launcherAnswers, instances: backend.overview() });
    }
    if (route === 'GET /metrics') {
      return send(response, 200, {
        step_ms: backend.options.stepMs,
        services: Object.fromEntries([...backend.series].map(([name, series]) => [name, series.all()])),
      });
    }
    if (parts[0] === 'chaos') {
      if (method === 'GET' && parts.length === 1) {
        const views = await Promise.all(
          services.map(async (service) => {
            try {
              const answer = await backend.chaosView(service);
              return [service, answer.status === 200 ? answer.body : { error: answer.body }];
            } catch (error) {
              return [service, { error: errorShape(error) }];
            }
          }),
        );
        return send(response, 200, Object.fromEntries(views));
      }
      if (method === 'DELETE' && parts.length === 1) {
        const results = await Promise.all(
          services.map(async (service) => {
            try {
              const answer = await backend.reset(service);
              return [service, answer.body];
            } catch (error) {
              return [service, { error: errorShape(error) }];
            }
          }),
        );
        return send(response, 200, Object.fromEntries(results));
      }
      const service = serviceName(parts[1] ?? '', services);
      if (method === 'DELETE' && parts.length === 2) return forward(response, await backend.reset(service));
      if (parts.length === 3) {
        const knob = knobName(parts[2]);
        if (method === 'POST') {
          const body = knobBody(await readBody(request), await backend.knobSchema(service, knob));
          return forward(response, await backend.setKnob(service, knob, body));
        }
        if (method === 'DELETE')
          return forward(
            response,
            await backend.clearKnob(service, knob, instanceParam(url.searchParams.get('instance'))),
          );
      }
    }
    if (parts[0] === 'traffic') {
      if (method === 'GET' && parts.length === 1) return forward(response, await backend.traffic('state'));
      if (method === 'POST' && parts.length === 2) {
        const action = parts[1];
        if (action === 'start' || action === 'stop') return forward(response, await backend.traffic(action));
        if (action === 'rate' || action === 'mix') {
          if (!String(request.headers['content-type'] ?? '').startsWith('application/json'))
            throw new ConsoleError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send application/json');
          const text = await readBody(request);
          if (action === 'rate') return forward(response, await backend.traffic('rate', trafficRate(text)));
          const state = await backend.traffic('state');
          const journeys = Object.keys((state.body as { mix?: Record<string, number> } | null)?.mix ?? {});
          return forward(response, await backend.traffic('mix', trafficMix(text, journeys)));
        }
      }
    }
    if (route === 'GET /audit') return forward(response, await backend.audit());
    if (route === 'GET /experiments') return send(response, 200, { runs: await backend.experiments() });
    throw new ConsoleError(404, 'NOT_FOUND', `no route ${method} ${url.pathname.slice(0, 100)}`);
  }

  async function staticFile(response: ServerResponse, pathname: string): Promise<void> {
    const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^[/\\]+/, '');
    if (
      relative.startsWith('..') ||
      !/^(index\.html|favicon\.svg|assets\/[A-Za-z0-9_.-]{1,128})$/.test(relative)
    )
      throw new ConsoleError(404, 'NOT_FOUND', 'not found');
    const path = join(options.distDir, relative);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) {
      if (relative === 'index.html')
        throw new ConsoleError(
          404,
          'CONSOLE_NOT_BUILT',
          'The console is not built: npm run build -w console',
        );
      throw new ConsoleError(404, 'NOT_FOUND', 'not found');
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    response.end(await readFile(path));
  }

  return createServer((request, response) => {
    const started = performance.now();
    void (async () => {
      try {
        const url = new URL(request.url ?? '/', 'http://console.invalid');
        if (url.pathname.length > 512) throw new ConsoleError(414, 'URI_TOO_LONG', 'URL too long');
        const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
        const isResult = url.pathname.startsWith('/results/');
        if (isApi || isResult) {
          const grant = await options.checkAccess({
            headers: request.headers,
            raw: { socket: request.socket },
          });
          // A local caller must also name a local host: a page whose DNS name was rebound to 127.0.0.1 is not
          // the operator (its Host header still says its own name).
          if (grant === 'local' && !isLocalHostHeader(request.headers.host))
            throw new ConsoleError(
              403,
              'HOST_NOT_ALLOWED',
              'From this machine, open the console as localhost or 127.0.0.1',
            );
        }
        if (isApi) return await api(request, response, url);
        if (request.method !== 'GET' && request.method !== 'HEAD')
          throw new ConsoleError(405, 'METHOD_NOT_ALLOWED', 'read-only');
        if (isResult) {
          const [, , run = '', ...rest] = url.pathname.split('/').map((part) => decodeURIComponent(part));
          const target = resultPath(run, rest.join('/'));
          const content = await backend.resultFile(target.run, target.file);
          response.writeHead(200, {
            'content-type': TYPES[extname(target.file)] ?? 'text/plain; charset=utf-8',
            'content-security-policy': REPORT_CSP,
            'x-content-type-options': 'nosniff',
            'cache-control': 'no-store',
          });
          return void response.end(content);
        }
        return await staticFile(response, url.pathname);
      } catch (error) {
        const shape = errorShape(error);
        if (shape.statusCode === 500)
          logger.error({ err: error, url: request.url }, 'console request failed');
        const headers: Record<string, string> =
          shape.statusCode === 401 ? { 'www-authenticate': 'Bearer' } : {};
        if (!response.headersSent) send(response, shape.statusCode, shape, headers);
        else response.destroy();
      } finally {
        logger.debug(
          {
            method: request.method,
            url: request.url,
            status: response.statusCode,
            ms: performance.now() - started,
          },
          'request',
        );
      }
    })();
  });
}
