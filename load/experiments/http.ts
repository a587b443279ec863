import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

export interface HttpRequest {
  method?: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  token?: string;
}

export interface HttpAnswer {
  /** 0 when no answer came back. */
  status: number;
  body: unknown;
  headers: Record<string, string>;
  latencyMs: number;
  /** TIMEOUT, or the socket error code (ECONNREFUSED, ECONNRESET…) when there was no answer. */
  error?: string;
}

/**
 * The load's HTTP client: undici with its own connection pool (keep-alive, no connection limit that would turn
 * the open model into a closed one), a hard timeout per call, and latency measured until the body is read.
 */
export class HttpClient {
  private readonly agent: Agent;

  constructor(private readonly timeoutMs: number) {
    this.agent = new Agent({
      connections: 1024,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: Math.min(5000, timeoutMs) },
    });
  }

  async send(req: HttpRequest, timeoutMs = this.timeoutMs): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...req.headers };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] ??= 'application/json';
    }
    if (req.token) headers.authorization = `Bearer ${req.token}`;
    const started = performance.now();
    try {
      const response = await request(req.url, {
        dispatcher: this.agent,
        method: (req.method ?? (body !== undefined ? 'POST' : 'GET')) as 'GET',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.body.text();
      const latencyMs = performance.now() - started;
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON (e.g. an HTML error page from a proxy): keep the text
      }
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, body: parsed, headers: flat, latencyMs };
    } catch (error) {
      return {
        status: 0,
        body: undefined,
        headers: {},
        latencyMs: performance.now() - started,
        error: errorCode(error),
      };
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/** A short, stable name for a failed call. */
export function errorCode(error: unknown): string {
  const seen = new Set<unknown>();
  for (let current = error; current && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const { name, code } = current as { name?: string; code?: string };
    if (
      name === 'TimeoutError' ||
      name === 'AbortError' ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT'
    ) {
      return 'TIMEOUT';
    }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  const code = (error as { code?: string }).code;
  return typeof code === 'string' ? code.replace(/^UND_ERR_/, '') : 'NETWORK';
}

/** The `code` of an error body in the services' common shape, if any. */
export function bodyCode(body: unknown): string {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string'
    ? (body as { code: string }).code
    : '';
}
