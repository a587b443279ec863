import {
  freePort,
  listenBacklog,
  request,
  startServiceProcess,
  type ServiceProcess,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request as undiciRequest } from 'undici';
import { startRestaurantKit, type RestaurantKit } from './support';

const CONNECTIONS = 512;
const STORM_MS = 6000;

/**
 * 512 clients that send again the moment they are answered (like wrk), against a real service process with a
 * small in-flight ceiling: excess requests get a fast 503 OVERLOADED, nothing errors or hangs, the health probe
 * (on the main port and on the management port), /chaos and the metrics keep answering, and the service serves
 * normally once the storm is over.
 */
describe('restaurant service under 512 concurrent connections (real process)', () => {
  let kit: RestaurantKit;
  let service: ServiceProcess;
  let management: string;

  before(async () => {
    kit = await startRestaurantKit('overload');
    const managementPort = await freePort();
    management = `http://127.0.0.1:${managementPort}`;
    service = await startServiceProcess(
      'restaurant',
      {
        ...kit.stack.baseEnv,
        ...kit.env(),
        MAX_IN_FLIGHT_REQUESTS: '32',
        MANAGEMENT_PORT: String(managementPort),
        LOG_LEVEL: 'warn',
      },
      { readyTimeoutMs: 60_000 },
    );
  });

  after(async () => {
    await service?.stop();
    await kit?.close();
  });

  it("listens with room for a load test's connections (LISTEN_BACKLOG, not Node's 511)", () => {
    expect(listenBacklog(service.url)).toBe(4096);
  });

  it('sheds the excess with fast 503s and keeps answering health checks', async () => {
    const agent = new Agent({ connections: CONNECTIONS, pipelining: 1 });
    const statuses = new Map<number, number>();
    const bodies = new Map<string, unknown>();
    let slowest = 0;
    let failures = 0;
    const deadline = Date.now() + STORM_MS;
    const client = async () => {
      while (Date.now() < deadline) {
        const started = Date.now();
        try {
          const res = await undiciRequest(`${service.url}/menus/1`, {
            dispatcher: agent,
            headersTimeout: 10_000,
            bodyTimeout: 10_000,
          });
          const text = await res.body.text();
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode === 503 && !bodies.has('503')) {
            bodies.set('503', { body: JSON.parse(text), retryAfter: res.headers['retry-after'] });
          }
        } catch {
          failures += 1;
        }
        slowest = Math.max(slowest, Date.now() - started);
      }
    };
    const probes: number[] = [];
    const operatorStatuses: number[] = [];
    const probe = async () => {
      // Give the connection storm a moment to build up, then probe through it.
      await sleep(1500);
      while (Date.now() < deadline - 500) {
        const started = Date.now();
        const [main, managed] = await Promise.all([
          request(`${service.url}/health/live`),
          request(`${management}/health/live`),
        ]);
        expect([main.status, managed.status]).toEqual([200, 200]);
        probes.push(Date.now() - started);
        // The operator's view and off switch are never shed, on either port.
        for (const res of [
          await request(`${service.url}/chaos`),
          await request(`${service.url}/chaos`, { method: 'DELETE' }),
          await request(`${management}/chaos`, { method: 'DELETE' }),
        ]) {
          operatorStatuses.push(res.status);
        }
        await sleep(250);
      }
    };
    await Promise.all([...Array.from({ length: CONNECTIONS }, client), probe()]);
    await agent.close();

    // Every request was answered: served, or refused at once with the error shape and Retry-After.
    expect(failures).toBe(0);
    expect([...statuses.keys()].sort()).toEqual([200, 503]);
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(bodies.get('503')).toMatchObject({
      body: {
        statusCode: 503,
        code: 'OVERLOADED',
        message: expect.any(String),
        detail: expect.any(String),
        traceId: expect.any(String),
      },
      retryAfter: '1',
    });
    // Never a hang. Generous: CI shares two cores with other suites.
    expect(slowest).toBeLessThan(10_000);
    // The liveness probe kept answering during the storm.
    expect(probes.length).toBeGreaterThan(0);
    expect(Math.max(...probes)).toBeLessThan(3000);
    expect(new Set(operatorStatuses)).toEqual(new Set([200]));

    // Afterwards: nothing left in flight, the refusals were counted, and requests are served again.
    const metrics = (await request<string>(`${service.url}/metrics`)).body;
    expect(metrics).toMatch(/http_requests_in_flight\{[^}]*\} 0\b/);
    expect(metrics).toMatch(/http_requests_shed_total\{[^}]*reason="in_flight"[^}]*\} [1-9]/);
    expect((await request(`${service.url}/menus/1`)).status).toBe(200);

    // Refusals are counted, not logged a line each: one warning every few seconds instead.
    const lines = service.output().split('\n');
    expect(lines.filter((line) => line.includes('"statusCode":503'))).toEqual([]);
    expect(lines.some((line) => line.includes('"event":"http.shedding"'))).toBe(true);
  });

  it('serves only /health/*, /metrics and /chaos on the management port', async () => {
    expect((await request(`${management}/health/ready`)).status).toBe(200);
    expect((await request<string>(`${management}/metrics`)).body).toMatch(/http_requests_concurrency_limit/);
    expect((await request(`${management}/chaos`)).body.service).toBe('restaurant-service');
    for (const path of ['/menus/1', '/inventory/audit', '/docs-json', '/chaosx']) {
      const res = await request(`${management}${path}`);
      expect([path, res.status, res.body.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
  });
});
