import { expect } from 'expect';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  createRemotePeer,
  createTestStack,
  remotePeerUnavailable,
  request,
  waitFor,
  type JsonResponse,
  type RunningService,
  type TestStack,
} from '@food-delivery/testing';
import { createUserApp } from '../src/app';

async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await call();
  return { ms: performance.now() - started, result };
}

describe('user service chaos knobs (two replicas, real Postgres + Redis, real HTTP)', () => {
  let stack: TestStack;
  let one: RunningService;
  let two: RunningService;
  let token: string;
  let serviceToken: string;

  const faults = async (service: RunningService) =>
    ((await request(`${service.url}/chaos`)).body.faults as { id: string }[]).map((fault) => fault.id).sort();
  const sees = (service: RunningService, ids: string[]) =>
    waitFor(
      `${service.env.INSTANCE_ID} to see ${ids.join(',') || 'no faults'}`,
      async () => JSON.stringify(await faults(service)) === JSON.stringify([...ids].sort()),
    );
  const validate = (service: RunningService) =>
    request(`${service.url}/validate`, { token: serviceToken, body: { user_id: 1 } });

  before(async () => {
    stack = await createTestStack('user_chaos');
    one = await stack.start(createUserApp, { INSTANCE_ID: 'user-1', CHAOS_SYNC_INTERVAL_MS: '500' });
    two = await stack.start(createUserApp, {
      INSTANCE_ID: 'user-2',
      CHAOS_SYNC_INTERVAL_MS: '500',
      SEED_DEMO_USER: 'false',
    });
    token = (await request(`${one.url}/login`, { body: { username: 'user', password: 'pass' } })).body
      .access_token;
    serviceToken = (
      await request(`${one.url}/token`, {
        body: {
          grant_type: 'client_credentials',
          client_id: 'order-service',
          client_secret: stack.baseEnv.SERVICE_CLIENT_SECRET,
        },
      })
    ).body.access_token;
  });

  after(async () => {
    await stack?.teardown();
  });

  afterEach(async () => {
    expect((await request(`${one.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    await sees(two, []);
  });

  it('offers the knobs every service has, not the other services’ knobs', async () => {
    const state = (await request(`${one.url}/chaos`)).body;
    expect(state).toMatchObject({
      service: 'user-service',
      instance: 'user-1',
      shared: true,
      knobs: [
        'delay',
        'error',
        'dependency',
        'crash',
        'cpu',
        'event_loop_block',
        'memory_leak',
        'gc_pressure',
        'readiness_fail',
        'hang',
      ],
    });
    // The user service calls no other service: its dependency knob targets Postgres only.
    const dependency = (
      state.catalogue as { name: string; schema: { properties: { target: { enum: string[] } } } }[]
    ).find((knob) => knob.name === 'dependency')!;
    expect(dependency.schema.properties.target.enum).toEqual(['postgres']);
    for (const knob of ['inventory_delay', 'payment_fail', 'cache_failure']) {
      expect(
        (await request(`${one.url}/chaos/${knob}`, { body: { delay_ms: 3000, fail_percent: 30 } })).status,
      ).toBe(404);
    }
  });

  it('spec: POST /chaos/delay {"delay_ms": 1500} adds latency to every API call, on every replica', async () => {
    const res = await request(`${one.url}/chaos/delay`, {
      raw: '{"delay_ms": 1500}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ action: 'set', shared: true, fault: { type: 'delay', delay_ms: 1500 } });
    await sees(two, ['delay']);
    const [slow, login, health] = await Promise.all([
      timed(() => validate(two)),
      timed(() => request(`${two.url}/login`, { body: { username: 'user', password: 'pass' } })),
      timed(() => request(`${two.url}/health/ready`)),
    ]);
    expect(slow.result.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(1490);
    expect(login.result.status).toBe(200);
    expect(login.ms).toBeGreaterThanOrEqual(1490);
    // Probes are never delayed, even while every API call is.
    expect([health.result.status, health.ms < 1000]).toEqual([200, true]);

    const off = await request(`${two.url}/chaos/delay`, { body: { delay_ms: 0 } });
    expect(off.body).toEqual({ action: 'cleared', cleared: 1, shared: true });
    await sees(one, []);
    expect((await timed(() => validate(one))).ms).toBeLessThan(1000);
  });

  it('spec: POST /chaos/error {"enable": true} makes about 50% of API calls answer 500', async () => {
    const res = await request(`${one.url}/chaos/error`, {
      raw: '{"enable": true}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(res.body.fault).toMatchObject({ type: 'error', percent: 50, status: 500 });
    await sees(two, ['error']);
    const results: JsonResponse[] = [];
    for (let batch = 0; batch < 8; batch++) {
      results.push(...(await Promise.all(Array.from({ length: 25 }, () => validate(two)))));
    }
    const failed = results.filter((r) => r.status === 500);
    expect(failed.length).toBeGreaterThan(60);
    expect(failed.length).toBeLessThan(140);
    expect(results.filter((r) => r.status !== 500 && r.status !== 200)).toEqual([]);
    for (const r of failed) {
      expect(r.body).toEqual({
        statusCode: 500,
        code: 'CHAOS_INJECTED',
        message: expect.any(String),
        detail: r.body.message,
        traceId: r.headers.get('x-request-id'),
      });
    }
    // Turning errors off never fails itself (the original did, half the time).
    for (let i = 0; i < 10; i++) {
      expect((await request(`${two.url}/chaos`)).status).toBe(200);
    }
    expect((await request(`${two.url}/chaos/error`, { body: { enable: false } })).status).toBe(200);
    await sees(one, []);
    expect(
      (await Promise.all(Array.from({ length: 20 }, () => validate(one)))).every((r) => r.status === 200),
    ).toBe(true);
  });

  it('applies before authentication and can be scoped to routes', async () => {
    await request(`${one.url}/chaos/error`, {
      body: { enable: true, percent: 100, status: 503, routes: ['/users/*'] },
    });
    await sees(two, ['error']);
    // Without a token the route would answer 401; chaos answers first.
    expect((await request(`${two.url}/users/1`)).body.code).toBe('CHAOS_INJECTED');
    expect((await request(`${two.url}/users/1`, { token })).status).toBe(503);
    expect((await validate(two)).status).toBe(200);
    expect((await request(`${two.url}/.well-known/jwks.json`)).status).toBe(200);
  });

  it('never touches /chaos, /health, /metrics or the docs', async () => {
    await request(`${one.url}/chaos/delay`, { body: { delay_ms: 2000 } });
    await request(`${one.url}/chaos/error`, { body: { enable: true, percent: 100 } });
    await sees(two, ['delay', 'error']);
    const paths = ['/chaos', '/health/live', '/health/ready', '/metrics', '/docs', '/docs-json', '/redoc'];
    const results = await Promise.all(paths.map((path) => timed(() => request(`${two.url}${path}`))));
    results.forEach(({ ms, result }, index) => {
      expect([paths[index], result.status, ms < 1000]).toEqual([paths[index], 200, true]);
    });
  });

  it('serves Prometheus metrics with chaos counters and the service label', async () => {
    await request(`${one.url}/chaos/error`, { body: { enable: true, percent: 100, routes: ['/validate'] } });
    expect((await validate(one)).status).toBe(500);
    const res = await request(`${one.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^chaos_injections_total\{service="user-service",type="error"\} [1-9]\d*$/m);
    expect(res.text).toMatch(/^chaos_active_faults\{service="user-service",type="error"\} 1$/m);
    expect(res.text).toMatch(/^chaos_active_faults\{service="user-service",type="delay"\} 0$/m);
    expect(res.text).not.toMatch(/type="inventory_delay"/);
    expect(res.text).toMatch(/^nodejs_heap_size_used_bytes\{service="user-service"\} \d+/m);
  });

  it('documents the chaos endpoints in Swagger', async () => {
    const spec = (await request(`${one.url}/docs-json`)).body;
    expect(spec.paths['/chaos'].get.tags).toEqual(['chaos']);
    expect(spec.paths['/chaos'].delete.summary).toMatch(/Reset/);
    expect(
      spec.paths['/chaos/delay'].post.requestBody.content['application/json'].examples.spec.value,
    ).toEqual({
      delay_ms: 1500,
    });
    expect(
      spec.paths['/chaos/error'].post.requestBody.content['application/json'].examples.spec.value,
    ).toEqual({
      enable: true,
    });
    expect(spec.paths).not.toHaveProperty(['/chaos/inventory_delay']);
    // Local callers need nothing; remote ones X-Chaos-Key or an operator's bearer token: both are documented.
    expect(spec.paths['/chaos/delay'].post.security).toEqual([{ bearer: [] }]);
    expect(spec.paths['/chaos/delay'].post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'X-Chaos-Key', in: 'header' })]),
    );
    expect(spec.paths['/metrics'].get).toBeDefined();
  });

  it(
    'refuses fault changes from a non-loopback address without X-Chaos-Key or an operator token',
    { skip: remotePeerUnavailable() ?? false },
    async () => {
      const peer = await createRemotePeer();
      const exposed = await stack.start(createUserApp, {
        INSTANCE_ID: 'user-exposed',
        HOST: '0.0.0.0',
        SEED_DEMO_USER: 'false',
        CHAOS_API_KEY: 'user-service-chaos-key',
      });
      try {
        const remoteUrl = `${exposed.url.replace('127.0.0.1', peer.hostAddress)}/chaos/delay`;
        const operator = (await request(`${one.url}/login`, { body: stack.operator })).body.access_token;
        const refused: [string, Record<string, string>, number, string][] = [
          ['nothing', {}, 401, 'CHAOS_KEY_REQUIRED'],
          ['a spoofed X-Forwarded-For', { 'x-forwarded-for': '127.0.0.1' }, 401, 'CHAOS_KEY_REQUIRED'],
          ['a wrong key', { 'x-chaos-key': 'not-the-key' }, 401, 'CHAOS_KEY_INVALID'],
          ['a user token', { authorization: `Bearer ${token}` }, 403, 'INSUFFICIENT_SCOPE'],
          ['a service token', { authorization: `Bearer ${serviceToken}` }, 403, 'INSUFFICIENT_SCOPE'],
        ];
        for (const [what, headers, status, code] of refused) {
          const res = await peer.request(remoteUrl, { body: { delay_ms: 3000 }, headers });
          expect([what, res.status, res.body.code]).toEqual([what, status, code]);
          const reset = await peer.request(remoteUrl.replace('/chaos/delay', '/chaos'), {
            method: 'DELETE',
            headers,
          });
          expect([what, reset.status]).toEqual([what, status]);
        }
        expect(await faults(one)).toEqual([]); // nothing was changed by the refused calls
        expect((await peer.request(remoteUrl.replace('/delay', ''))).status).toBe(200); // reading stays open

        const byKey = await peer.request(remoteUrl, {
          body: { delay_ms: 100 },
          headers: { 'x-chaos-key': 'user-service-chaos-key' },
        });
        expect(byKey.status).toBe(200);
        await sees(one, ['delay']);
        const byOperator = await peer.request(remoteUrl.replace('/chaos/delay', '/chaos'), {
          method: 'DELETE',
          headers: { authorization: `Bearer ${operator}` },
        });
        expect(byOperator.status).toBe(200);
        await sees(one, []);
        // The machine's own operator needs nothing, key or not.
        expect((await request(`${exposed.url}/chaos/delay`, { body: { delay_ms: 100 } })).status).toBe(200);
      } finally {
        await exposed.close();
        await peer.remove();
      }
    },
  );

  it('refuses to start in production beyond loopback with chaos on and no CHAOS_API_KEY', async () => {
    await expect(
      stack.start(createUserApp, { NODE_ENV: 'production', HOST: '0.0.0.0', SEED_DEMO_USER: 'false' }),
    ).rejects.toThrow(/CHAOS_API_KEY: required in production when the service listens beyond loopback/);
  });
});
