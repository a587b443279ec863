import { expect } from 'expect';
import { createServer, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DependencyError } from './dependency-error';
import { DownstreamClient } from './downstream-client';

/** A real HTTP server whose next answers the test scripts: status codes, or a delay. */
describe('DownstreamClient (real HTTP)', () => {
  let server: Server;
  let baseUrl: string;
  let hits = 0;
  let script: (number | { delayMs: number })[] = [];
  const clients: DownstreamClient[] = [];
  const client = (options: Partial<ConstructorParameters<typeof DownstreamClient>[0]> = {}) => {
    const created = new DownstreamClient({
      name: 'test-dep',
      baseUrl,
      timeoutMs: 300,
      retries: 2,
      ...options,
    });
    clients.push(created);
    return created;
  };
  const caught = async (promise: Promise<unknown>): Promise<DependencyError> => {
    try {
      await promise;
    } catch (error) {
      return error as DependencyError;
    }
    throw new Error('expected a failure');
  };

  before(async () => {
    server = createServer((req, res) => {
      hits += 1;
      const next = script.shift() ?? 200;
      const answer = (status: number) =>
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status, path: req.url }));
      if (typeof next === 'number') answer(next);
      else setTimeout(() => answer(200), next.delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  beforeEach(() => {
    hits = 0;
    script = [];
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns 2xx and 4xx answers as they are, without retrying a 4xx', async () => {
    const downstream = client();
    expect(await downstream.request({ method: 'GET', path: '/menus/1', idempotent: true })).toEqual({
      status: 200,
      body: { status: 200, path: '/menus/1' },
    });
    script = [409];
    expect(
      (await downstream.request({ method: 'POST', path: '/x', body: { a: 1 }, idempotent: true })).status,
    ).toBe(409);
    expect(hits).toBe(2);
  });

  it('retries idempotent calls on 5xx with backoff, and succeeds', async () => {
    script = [500, 503, 200];
    const response = await client().request({ method: 'POST', path: '/reserve', idempotent: true });
    expect(response.status).toBe(200);
    expect(hits).toBe(3);
  });

  it('never retries a non-idempotent call: 502 DEPENDENCY_ERROR naming the dependency', async () => {
    script = [500, 200];
    const error = await caught(client().request({ method: 'POST', path: '/pay' }));
    expect(error).toBeInstanceOf(DependencyError);
    expect([error.getStatus(), error.code, error.dependency]).toEqual([502, 'DEPENDENCY_ERROR', 'test-dep']);
    expect(hits).toBe(1);
  });

  it('times out each attempt: 504 DEPENDENCY_TIMEOUT once retries are spent', async () => {
    script = [{ delayMs: 1000 }, { delayMs: 1000 }, { delayMs: 1000 }];
    const started = Date.now();
    const error = await caught(
      client({ timeoutMs: 150 }).request({ method: 'GET', path: '/slow', idempotent: true }),
    );
    expect([error.getStatus(), error.code]).toEqual([504, 'DEPENDENCY_TIMEOUT']);
    expect(hits).toBe(3);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports an unreachable dependency as 503 DEPENDENCY_UNAVAILABLE', async () => {
    const dead = new DownstreamClient({
      name: 'gone',
      baseUrl: 'http://127.0.0.1:9',
      timeoutMs: 300,
      retries: 1,
    });
    clients.push(dead);
    const error = await caught(dead.request({ method: 'GET', path: '/', idempotent: true }));
    expect([error.getStatus(), error.code, error.dependency]).toEqual([
      503,
      'DEPENDENCY_UNAVAILABLE',
      'gone',
    ]);
    expect(error.extra.headers).toEqual({ 'retry-after': '1' });
  });

  it('opens the circuit after sustained failures: fast 503 with Retry-After, then closes after a good trial call', async () => {
    const downstream = client({
      retries: 0,
      breakerThreshold: 0.5,
      breakerWindowMs: 1000,
      breakerMinimumRps: 2,
      halfOpenAfterMs: 300,
    });
    script = Array.from({ length: 20 }, () => 500);
    for (let i = 0; i < 20; i += 1)
      await caught(downstream.request({ method: 'GET', path: '/fail', idempotent: true }));
    const hitsWhenOpen = hits;
    const started = Date.now();
    const error = await caught(downstream.request({ method: 'GET', path: '/fail', idempotent: true }));
    expect(Date.now() - started).toBeLessThan(50);
    expect([error.getStatus(), error.code]).toEqual([503, 'DEPENDENCY_UNAVAILABLE']);
    expect(error.extra.headers).toEqual({ 'retry-after': '1' });
    expect(hits).toBe(hitsWhenOpen); // the dependency was spared
    script = [];
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await downstream.request({ method: 'GET', path: '/ok', idempotent: true })).status).toBe(200);
    expect((await downstream.request({ method: 'GET', path: '/ok', idempotent: true })).status).toBe(200);
  });
});
