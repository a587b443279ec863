// The dashboards show data: the real Prometheus (Debian's) scrapes the three services and the traffic generator
// with the repo's scrape config while the generator runs, the faults the chaos panels need are in force, and every
// dashboard PromQL query, as Grafana sends it with "All" selected, is evaluated through Prometheus' HTTP API and
// must return series. Only Tempo's metrics-generator series (traces_*) cannot exist here (no Tempo binary).
import {
  createTestStack,
  request,
  startServiceProcess,
  waitFor,
  startTrafficProcess,
  type ServiceProcess,
  type TestStack,
  type TrafficProcess,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { dashboardQueries, variableSelectors } from './dashboard-queries';
import { startLocalPrometheus, type LocalPrometheus } from './local-prometheus';
import { metricNames } from './promql';

/** Series Tempo's metrics generator writes into Prometheus (tempo/tempo.yaml): no Tempo runs here. */
const fromTempo = (expr: string) => metricNames(expr).every((name) => name.startsWith('traces_'));

describe('every dashboard PromQL query returns data from the real Prometheus', () => {
  let stack: TestStack;
  let user: ServiceProcess;
  let restaurant: ServiceProcess;
  let order: ServiceProcess;
  let traffic: TrafficProcess;
  let prometheus: LocalPrometheus;
  let url: string;

  before(async () => {
    stack = await createTestStack('dashboards-live');
    const env = { ...stack.baseEnv, LOG_LEVEL: 'warn' };
    // A low in-flight bound, so a burst below gets the load-shedding panel its 503 OVERLOADED.
    user = await startServiceProcess('user', { ...env, INSTANCE_ID: 'user-1', MAX_IN_FLIGHT_REQUESTS: '12' });
    const jwks = { JWKS_URL: `${user.url}/.well-known/jwks.json` };
    restaurant = await startServiceProcess('restaurant', { ...env, ...jwks, INSTANCE_ID: 'restaurant-1' });
    // Recovery of orders left PENDING by a crash, within a second (the outbox and recoveries panel).
    const orderEnv = {
      ...env,
      ...jwks,
      INSTANCE_ID: 'order-1',
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
      RECOVERY_PENDING_AFTER_MS: '1000',
      RECOVERY_INTERVAL_MS: '500',
    };
    order = await startServiceProcess('order', orderEnv);
    traffic = await startTrafficProcess({
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
      ORDER_SERVICE_URL: order.url,
      TRAFFIC_RATE: '15',
      TRAFFIC_SESSIONS: '5',
      LOG_LEVEL: 'warn',
    });

    const local: Record<string, string> = {
      'user-service': `127.0.0.1:${user.port}`,
      'restaurant-service': `127.0.0.1:${restaurant.port}`,
      'order-service': `127.0.0.1:${order.port}`,
      'traffic-generator': new URL(traffic.url).host,
    };
    // The repo's jobs for what runs here, their discovery swapped for the local ports.
    prometheus = await startLocalPrometheus(local);
    url = prometheus.url;

    // The faults the chaos panels (and the annotation, `> 0`) show, mild enough to keep the traffic flowing,
    // switching themselves off after the test.
    const chaos = async (service: ServiceProcess, knob: string, body: Record<string, unknown>) => {
      const answer = await request(`${service.url}/chaos/${knob}`, { body });
      expect([knob, answer.status, answer.body]).toEqual([knob, 200, expect.anything()]);
    };

    // A crash with orders in flight (slow reservations keep some PENDING): the restarted order service
    // recovers them. Tried again in the rare case that no order was in flight at the kill.
    await chaos(restaurant, 'inventory_delay', { delay_ms: 300, percent: 100, ttl_s: 300 });
    for (let attempt = 0; attempt < 3; attempt++) {
      await new Promise((done) => setTimeout(done, 1500));
      await order.kill();
      order = await startServiceProcess('order', { ...orderEnv, PORT: String(order.port) });
      const recovered = await waitFor(
        'a recovered order',
        async () => /^order_recoveries_total\{/m.test(await (await fetch(`${order.url}/metrics`)).text()),
        { timeoutMs: 8000, intervalMs: 250 },
      ).catch(() => false);
      if (recovered) break;
    }

    // Load shedding: a burst at a slowed public route beyond the user service's in-flight bound.
    await chaos(user, 'delay', { delay_ms: 1500, routes: ['/.well-known/jwks.json'], ttl_s: 60 });
    const burst = await Promise.all(
      Array.from({ length: 30 }, () => fetch(`${user.url}/.well-known/jwks.json`).then((r) => r.status)),
    );
    expect(burst).toContain(503);
    await request(`${user.url}/chaos/delay`, { body: { delay_ms: 0 } });

    // The faults the chaos panels (and the annotation, `> 0`) show while the queries run, mild enough to keep
    // the traffic flowing, switching themselves off after the test.
    await chaos(order, 'payment_fail', { fail_percent: 20, ttl_s: 300 });
    await chaos(restaurant, 'inventory_delay', { delay_ms: 20, percent: 50, ttl_s: 300 });
    await chaos(user, 'delay', { delay_ms: 5, percent: 20, routes: ['/validate'], ttl_s: 300 });
    await chaos(restaurant, 'error', {
      enable: true,
      percent: 5,
      status: 503,
      routes: ['/inventory/**'],
      ttl_s: 300,
    });
  });

  after(async () => {
    for (const service of [order, restaurant, user]) {
      if (service) await request(`${service.url}/chaos`, { method: 'DELETE' }).catch(() => undefined);
    }
    await traffic?.stop();
    await prometheus?.stop();
    await Promise.allSettled([order?.stop(), restaurant?.stop(), user?.stop()]);
    await stack?.teardown();
  });

  const query = async (expr: string): Promise<unknown[]> => {
    const response = await fetch(`${url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }),
    });
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: unknown };
    };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    const result = body.data!.result;
    return body.data!.resultType === 'scalar' ? [result] : (result as unknown[]);
  };

  it('evaluates each query (variables on "All") to at least one series', async (t) => {
    const queries = dashboardQueries().filter((candidate) => candidate.language === 'promql');
    const live = queries.filter((candidate) => !fromTempo(candidate.expr));
    const tempoOnly = queries.filter((candidate) => fromTempo(candidate.expr));
    for (const { dashboard, variable, selector, label } of variableSelectors()) {
      live.push({
        dashboard,
        panel: `variable $${variable}`,
        language: 'promql',
        raw: selector,
        expr: `count by (${label}) (${selector})`,
      });
    }
    const empty = async () => {
      const missing: string[] = [];
      for (const candidate of live) {
        if ((await query(candidate.expr)).length === 0)
          missing.push(`${candidate.dashboard} / ${candidate.panel}: ${candidate.expr}`);
      }
      return missing;
    };
    let missing: string[] = [];
    try {
      await waitFor(
        'every dashboard query to return data',
        async () => {
          missing = await empty();
          return missing.length === 0;
        },
        { timeoutMs: 90_000, intervalMs: 2000 },
      );
    } catch {
      // reported below, query by query
    }
    t.diagnostic(
      `${live.length - missing.length} of ${live.length} PromQL queries returned data; ${tempoOnly.length} read only Tempo's traces_* series and were not evaluated`,
    );
    expect(missing).toEqual([]);
    expect(live.length).toBeGreaterThan(50);
    // What was left out is Tempo's, and nothing else.
    for (const candidate of tempoOnly) expect(metricNames(candidate.expr)[0]).toMatch(/^traces_/);
    expect(tempoOnly.length).toBeLessThanOrEqual(5);
    if (prometheus.process.exitCode !== null)
      throw new Error(`prometheus exited:\n${prometheus.output().slice(-3000)}`);
  });
});
