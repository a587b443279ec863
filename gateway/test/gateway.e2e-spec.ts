import {
  createTestStack,
  freePort,
  listenBacklog,
  request,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestStack,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGateway, type Gateway } from './support';

describe('NGINX gateway (real nginx in front of two user-service replicas)', () => {
  let stack: TestStack;
  let replicaA: ServiceProcess;
  let replicaB: ServiceProcess;
  let gateway: Gateway;
  let token: string;

  before(async () => {
    stack = await createTestStack('gateway');
    // Request logs on: they show which request id and trace each replica saw.
    const env = { ...stack.baseEnv, LOG_LEVEL: 'info' };
    replicaA = await startServiceProcess('user', env);
    replicaB = await startServiceProcess('user', { ...env, SEED_DEMO_USER: 'false' });
    gateway = await startGateway({
      USER_UPSTREAMS: [replicaA.url, replicaB.url].map((url) => url.replace('http://', '')).join(','),
      RESTAURANT_UPSTREAMS: `127.0.0.1:${await freePort()}`, // nothing listens there
      ORDER_UPSTREAMS: '',
      GATEWAY_LOGIN_RATE: '5r/s',
      GATEWAY_LOGIN_BURST: '5',
    });
  });

  after(async () => {
    await gateway?.stop();
    await replicaA?.kill();
    await replicaB?.kill();
    await stack?.teardown();
  });

  it("listens with room for a load test's connections (backlog 4096, not nginx's 511)", () => {
    expect(listenBacklog(gateway.url)).toBe(4096);
  });

  it('routes /api/users/... and the spec bare paths to the user service', async () => {
    const login = await request(`${gateway.url}/api/users/login`, {
      body: { username: 'user', password: 'pass' },
    });
    expect(login.status).toBe(200);
    token = login.body.access_token;
    expect(
      (await request(`${gateway.url}/login`, { body: { username: 'user', password: 'pass' } })).status,
    ).toBe(200);
    expect((await request(`${gateway.url}/api/users/1`, { token })).body).toMatchObject({
      id: 1,
      username: 'user',
    });
    expect((await request(`${gateway.url}/users/1`, { token })).status).toBe(200);
    expect((await request(`${gateway.url}/api/users/.well-known/jwks.json`)).body.keys).toHaveLength(1);
  });

  it('answers unknown routes and the internal /validate with a JSON 404', async () => {
    const unknown = await request(`${gateway.url}/api/nothing-here`);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
    const validate = await request(`${gateway.url}/api/users/validate`, { body: { user_id: 1 } });
    expect(validate.status).toBe(404);
  });

  it('passes X-Request-ID through, or generates one, and the service sees the same id', async () => {
    // The service logs the id it received on its request line; look for it in both replicas' output.
    const serviceSaw = (id: string) =>
      waitFor(`a service log line with request id ${id}`, () =>
        [replicaA, replicaB].some((replica) => replica.output().includes(`"${id}"`)),
      );
    const mine = await request(`${gateway.url}/api/users/999999`, {
      token,
      headers: { 'x-request-id': 'load-test-42' },
    });
    expect(mine.status).toBe(404);
    expect(mine.headers.get('x-request-id')).toBe('load-test-42');
    await serviceSaw('load-test-42');

    const generated = await request(`${gateway.url}/api/users/999999`, { token });
    const id = generated.headers.get('x-request-id') as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await serviceSaw(id);

    const log = readFileSync(join(gateway.dir, 'access.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const entry = log.find((line: { request_id: string }) => line.request_id === 'load-test-42');
    expect(entry).toMatchObject({ status: 404, method: 'GET', upstream_response_time: expect.any(String) });
  });

  it('passes a W3C traceparent through to the service', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await request(`${gateway.url}/api/users/1`, { token, headers: { traceparent } });
    // nginx writes the access log line after answering: wait for it rather than race it.
    await waitFor('the access log line with the traceparent', () =>
      readFileSync(join(gateway.dir, 'access.log'), 'utf8').includes(traceparent),
    );
    // The service continued that trace: its request log line carries the client's trace id.
    await waitFor('the service log line of the traced request', () =>
      [replicaA, replicaB].some((replica) =>
        replica.output().includes('"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"'),
      ),
    );
  });

  it('never routes the internal endpoints: chaos, metrics, docs, health, token', async () => {
    const internal = ['/api/users/chaos/delay', '/chaos/delay', '/chaos', '/api/users/chaos', '/metrics'];
    internal.push('/api/users/metrics', '/docs', '/api/users/docs', '/api/users/token', '/token');
    internal.push('/api/users/health/ready', '/health/live');
    for (const path of internal) {
      const res = await request(`${gateway.url}${path}`, { method: 'POST', body: { delay_ms: 1000 } });
      expect([path, res.status, res.body.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    const state = await request<{ faults: unknown[] }>(`${replicaA.url}/chaos`);
    expect(state.body.faults).toEqual([]);
  });

  it('limits the request size with a JSON 413', async () => {
    const res = await request(`${gateway.url}/api/users/signup`, {
      body: { username: 'big', password: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect([res.status, res.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('answers 503 in the error shape when no replica of a service is up', async () => {
    const res = await request(`${gateway.url}/api/restaurants/menus`);
    expect([res.status, res.body.code]).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
  });

  it('routes around a killed replica', async () => {
    await replicaB.kill();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1)
      statuses.push((await request(`${gateway.url}/api/users/1`, { token })).status);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });

  it('rate-limits logins with 429 RATE_LIMITED and Retry-After', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // let the bucket refill after the tests above
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        request(`${gateway.url}/api/users/login`, { body: { username: 'user', password: 'nope' } }),
      ),
    );
    const limited = results.filter((res) => res.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(20);
    expect(limited[0].body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(limited[0].headers.get('retry-after')).toBe('1');
    expect(results.filter((res) => res.status === 401).length).toBeGreaterThanOrEqual(1);
  });
});

/** An upstream that reads a request's head, counts it and hangs up without answering (a replica dying mid-request). */
interface DroppingUpstream {
  address: string;
  /** The request line of every request it received. */
  requests: string[];
  close(): Promise<void>;
}

async function startDroppingUpstream(): Promise<DroppingUpstream> {
  const requests: string[] = [];
  const server = createServer((socket) => {
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      requests.push(head.slice(0, head.indexOf('\r\n')));
      socket.destroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('NGINX gateway: a write goes to another replica only when it never reached one', () => {
  let refusing: string;
  let userA: DroppingUpstream;
  let userB: DroppingUpstream;
  let restaurantA: DroppingUpstream;
  let restaurantB: DroppingUpstream;
  let gateway: Gateway;

  before(async () => {
    refusing = `127.0.0.1:${await freePort()}`; // nothing listens: connection refused
    [userA, userB, restaurantA, restaurantB] = await Promise.all(
      Array.from({ length: 4 }, () => startDroppingUpstream()),
    );
    gateway = await startGateway({
      // The refusing address first: nginx's round robin tries it first for a worker's first request.
      USER_UPSTREAMS: [refusing, userA.address, userB.address].join(','),
      RESTAURANT_UPSTREAMS: [restaurantA.address, restaurantB.address].join(','),
      ORDER_UPSTREAMS: '',
      GATEWAY_LOGIN_RATE: '1000r/s',
    });
  });

  after(async () => {
    await gateway?.stop();
    await Promise.all([userA, userB, restaurantA, restaurantB].map((upstream) => upstream?.close()));
  });

  it('passes a POST refused by one replica to the next, and never sends it twice', async () => {
    const refused = () =>
      readFileSync(join(gateway.dir, 'error.log'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('(111:')).length;
    // Three requests: fewer than max_fails, so passive health leaves every replica in the rotation.
    for (let i = 0; i < 3; i += 1) {
      const sent = userA.requests.length + userB.requests.length;
      const res = await request(`${gateway.url}/api/users/signup`, {
        body: { username: `w${i}`, password: 'pw' },
      });
      // The replica that got it hung up: the gateway's 503, and no second replica ever saw the request.
      expect([res.status, res.body.code]).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
      expect(userA.requests.length + userB.requests.length - sent).toBe(1);
    }
    expect(refused()).toBeGreaterThanOrEqual(1); // at least one of them was refused first and passed on
    expect([...userA.requests, ...userB.requests]).toEqual(Array(3).fill('POST /signup HTTP/1.1'));
  });

  it('never passes a PUT on (nginx would replay it): a stock restore reaches one replica once', async () => {
    const res = await request(`${gateway.url}/api/restaurants/inventory/1/restore`, {
      method: 'PUT',
      body: { quantity: 1 },
    });
    expect([res.status, res.body.code]).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
    expect([...restaurantA.requests, ...restaurantB.requests]).toEqual(['PUT /inventory/1/restore HTTP/1.1']);
  });
});
