// Traces, logs and metrics of the three services as real processes, checked end to end: an in-test OTLP/HTTP
// receiver, the services' stdout, their /metrics, the real Prometheus (Debian's) scraping them with the repo's
// scrape config, and the dashboards' queries against the metric names the services really export.
import '@food-delivery/http-client'; // registers the outbound-call metrics the order service exports through it
import {
  createTestStack,
  freePort,
  request,
  startOtlpReceiver,
  startServiceProcess,
  waitFor,
  type OtlpReceiver,
  type ReceivedSpan,
  type ServiceProcess,
  type TestStack,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { register } from 'prom-client';
import { TrafficGenerator } from '../../load/traffic/generator';
import { dashboardQueries, matcherAccepts, promqlSelectors } from './dashboard-queries';
import { startLocalPrometheus, type LocalPrometheus } from './local-prometheus';
import { exportedNames, metricNames, parseExposition, type Sample } from './promql';

const INFRA = join(__dirname, '..');

/** The service's JSON log lines (startup chatter included). */
function logLines(service: ServiceProcess): Record<string, any>[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

const isDb = (span: ReceivedSpan, system: string) =>
  span.attributes['db.system.name'] === system || span.attributes['db.system'] === system;

describe('telemetry of real service processes', () => {
  let stack: TestStack;
  let receiver: OtlpReceiver;
  let user: ServiceProcess;
  let restaurant: ServiceProcess;
  let order: ServiceProcess;
  let token: string;
  let orderId: number;
  let orderTraceId: string;
  let traceId: string;
  let putTraceHeader: string | null;

  before(async () => {
    stack = await createTestStack('telemetry');
    receiver = await startOtlpReceiver();
    const env = {
      ...stack.baseEnv,
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    user = await startServiceProcess('user', { ...env, INSTANCE_ID: 'user-1' });
    // No JWT_PUBLIC_KEY: the restaurant fetches the user service's JWKS on its first authenticated request.
    restaurant = await startServiceProcess('restaurant', {
      ...env,
      INSTANCE_ID: 'restaurant-1',
      JWKS_URL: `${user.url}/.well-known/jwks.json`,
    });
    order = await startServiceProcess('order', {
      ...env,
      INSTANCE_ID: 'order-1',
      JWKS_URL: `${user.url}/.well-known/jwks.json`,
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
    });
    const login = await request<{ access_token: string }>(`${user.url}/login`, {
      body: { username: 'user', password: 'pass' },
    });
    expect(login.status).toBe(200);
    token = login.body.access_token;

    // The request that crosses services: restaurant → (JWKS) user, then Postgres row locks and Redis. Moving
    // stock directly is an operator's (or a service's) call.
    const operator = await request<{ access_token: string }>(`${user.url}/login`, { body: stack.operator });
    const put = await request(`${restaurant.url}/inventory/1`, {
      method: 'PUT',
      body: { quantity: 1 },
      token: operator.body.access_token,
    });
    expect(put.status).toBe(200);
    putTraceHeader = put.headers.get('x-trace-id');
    for (const path of ['/menus/1', '/menus/1', '/menus', '/nope/12345', '/health/ready']) {
      await request(`${restaurant.url}${path}`);
    }
    // A real order: order → user (validate) → restaurant (reserve) → payment → commit.
    const placed = await request<{ id: number; status: string }>(`${order.url}/orders`, {
      token,
      headers: { 'idempotency-key': 'telemetry-order-1' },
      body: { items: [{ menu_id: 2, quantity: 1 }], address: 'Seoul', phone: '010-1234-5678' },
    });
    expect([placed.status, placed.body.status]).toEqual([201, 'CONFIRMED']);
    orderId = placed.body.id;
    orderTraceId = placed.headers.get('x-trace-id')!;
    const spans = await receiver.waitForSpans('the restaurant inventory server span', (all) =>
      all.some((span) => span.kind === 2 && span.name === 'PUT /inventory/:menuId'),
    );
    traceId = spans.find((span) => span.name === 'PUT /inventory/:menuId')!.traceId;
  });

  after(async () => {
    await Promise.allSettled([order?.stop(), restaurant?.stop(), user?.stop()]);
    await receiver?.close();
    await stack?.teardown();
  });

  describe('traces', () => {
    it('one order is one trace across the order, user and restaurant services, down to Postgres and Redis', async () => {
      const servers = ['order-service', 'user-service', 'restaurant-service'];
      const spans = await receiver.waitForSpans('the spans of the whole order trace', (all) => {
        const trace = all.filter((span) => span.traceId === orderTraceId);
        return (
          servers.every((service) => trace.some((span) => span.service === service && span.kind === 2)) &&
          trace.some((span) => span.name === 'inventory.reserve')
        );
      });
      const trace = spans.filter((span) => span.traceId === orderTraceId);
      const byId = new Map(trace.map((span) => [span.spanId, span]));
      const root = trace.find((span) => !span.parentSpanId)!;
      expect([root.service, root.name]).toEqual(['order-service', 'POST /orders']);
      // Each downstream server span is the child of an order-service client span: traceparent on every call.
      for (const service of ['user-service', 'restaurant-service']) {
        for (const server of trace.filter((span) => span.service === service && span.kind === 2)) {
          const caller = byId.get(server.parentSpanId!)!;
          expect([server.name, caller.service, caller.kind]).toEqual([server.name, 'order-service', 3]);
        }
      }
      expect(trace.some((span) => span.service === 'user-service' && span.name === 'POST /validate')).toBe(
        true,
      );
      const reserve = trace.find((span) => span.name === 'inventory.reserve')!;
      expect(reserve.attributes).toMatchObject({ 'order.id': String(orderId), 'menu.id': [2] });
      expect(reserve.events.map((event) => event.name)).toEqual([
        'inventory.lock.acquired',
        'inventory.lock.released',
      ]);
      for (const service of ['order-service', 'restaurant-service']) {
        expect([service, trace.some((span) => span.service === service && isDb(span, 'postgresql'))]).toEqual(
          [service, true],
        );
      }
      expect(trace.some((span) => isDb(span, 'redis'))).toBe(true);
      // The order service's own log line of the request carries the same trace.
      await waitFor('the order request log line', () =>
        logLines(order).some((entry) => entry.trace_id === orderTraceId && entry.route === '/orders'),
      );
    });

    it("commits the order's reservation in a batch traced on its own, not inside the order's trace", async () => {
      const spans = await receiver.waitForSpans('a traced commit batch', (all) =>
        all.some((span) => span.name === 'saga.commit_batch' && !span.parentSpanId),
      );
      const batch = spans.find((span) => span.name === 'saga.commit_batch' && !span.parentSpanId)!;
      expect(batch.service).toBe('order-service');
      expect(batch.traceId).not.toBe(orderTraceId);
      await receiver.waitForSpans('the restaurant side of the batch', (all) =>
        all.some(
          (span) =>
            span.traceId === batch.traceId &&
            span.service === 'restaurant-service' &&
            span.kind === 2 &&
            span.name === 'POST /inventory/reservations/commits',
        ),
      );
      expect(spans.some((span) => span.traceId === orderTraceId && span.name.includes('/commits'))).toBe(
        false,
      );
    });

    it('one trace covers both services, their pg and Redis spans, with W3C propagation between them', async () => {
      const spans = await receiver.waitForSpans('the spans of the whole inventory trace', (all) => {
        const trace = all.filter((span) => span.traceId === traceId);
        return (
          trace.some((span) => span.service === 'user-service') && trace.some((span) => isDb(span, 'redis'))
        );
      });
      const trace = spans.filter((span) => span.traceId === traceId);
      const byId = new Map(trace.map((span) => [span.spanId, span]));

      expect(new Set(trace.map((span) => span.service))).toEqual(
        new Set(['restaurant-service', 'user-service']),
      );
      // The answer names its trace, to look it up in Grafana.
      expect(putTraceHeader).toBe(traceId);
      // The user service's server span is the child of the restaurant's outbound fetch span: traceparent went over.
      const jwks = trace.find((span) => span.service === 'user-service' && span.kind === 2)!;
      expect(jwks.name).toBe('GET /.well-known/jwks.json');
      const caller = byId.get(jwks.parentSpanId!)!;
      expect([caller.service, caller.kind]).toEqual(['restaurant-service', 3]);

      const root = trace.find((span) => !span.parentSpanId)!;
      expect([root.service, root.name, root.attributes['http.route']]).toEqual([
        'restaurant-service',
        'PUT /inventory/:menuId',
        '/inventory/:menuId',
      ]);
      expect(root.resource).toMatchObject({
        'service.name': 'restaurant-service',
        'service.namespace': 'food-delivery',
        'service.instance.id': 'restaurant-1',
        'deployment.environment': 'test',
      });

      // The inventory span: domain attributes, lock wait and hold as separate events, the row lock under it.
      const inventory = trace.find((span) => span.name === 'inventory.decrease')!;
      expect(inventory.attributes['menu.id']).toEqual([1]);
      expect(inventory.attributes['inventory.lock.wait_ms']).toEqual(expect.any(Number));
      expect(inventory.attributes['inventory.lock.hold_ms']).toEqual(expect.any(Number));
      expect(inventory.events.map((event) => event.name)).toEqual([
        'inventory.lock.acquired',
        'inventory.lock.released',
      ]);
      const lockQuery = trace.find(
        (span) => isDb(span, 'postgresql') && /FOR UPDATE/.test(String(span.attributes['db.query.text'])),
      )!;
      let ancestor = byId.get(lockQuery.parentSpanId!);
      while (ancestor && ancestor !== inventory) ancestor = byId.get(ancestor.parentSpanId!);
      expect(ancestor).toBe(inventory);
      expect(trace.some((span) => isDb(span, 'redis') && span.service === 'restaurant-service')).toBe(true);
    });

    it('names the menu and the cache outcome on menu reads, and does not trace probes', async () => {
      const menuSpans = (all: ReceivedSpan[]) => all.filter((span) => span.attributes['menu.id'] === 1);
      const spans = await receiver.waitForSpans(
        'the spans of both menu reads',
        (all) => menuSpans(all).length >= 2,
      );
      expect(
        menuSpans(spans)
          .map((span) => span.attributes['cache.result'])
          .sort(),
      ).toEqual(['hit', 'miss']);
      expect(spans.some((span) => String(span.attributes['url.path']).startsWith('/health'))).toBe(false);
    });
  });

  describe('logs', () => {
    // A request's line is written when its response finishes, and reaches us through a pipe: wait for the last.
    before(() =>
      waitFor('the log line of the last request', () =>
        logLines(restaurant).some((entry) => entry.req?.url === '/nope/12345'),
      ),
    );

    it('every request line carries the trace id, route template, status, duration, service, instance and request id', () => {
      const line = logLines(restaurant).find((entry) => entry.trace_id === traceId && entry.route)!;
      expect(line).toMatchObject({
        service: 'restaurant-service',
        instance: 'restaurant-1',
        route: '/inventory/:menuId',
        res: { statusCode: 200 },
        msg: 'request completed',
      });
      expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(line.req.id).toEqual(expect.any(String));
      expect(line.responseTime).toEqual(expect.any(Number));

      // The user service logged its side of the same trace.
      const jwks = logLines(user).find((entry) => entry.trace_id === traceId)!;
      expect([jwks.route, jwks.service, jwks.instance]).toEqual([
        '/.well-known/jwks.json',
        'user-service',
        'user-1',
      ]);

      for (const service of [user, restaurant, order]) {
        const requests = logLines(service).filter((entry) => entry.req);
        expect(requests.length).toBeGreaterThan(0);
        for (const entry of requests) {
          expect(entry).toMatchObject({
            trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
            span_id: expect.any(String),
          });
        }
        // One line per request, none for probes and scrapes.
        expect(requests.some((entry) => /^\/(health|metrics)/.test(entry.req.url))).toBe(false);
      }
      const unmatched = logLines(restaurant).find((entry) => entry.req?.url === '/nope/12345')!;
      expect([unmatched.route, unmatched.res.statusCode]).toEqual(['unmatched', 404]);
    });

    it('keeps secrets out: no token, password or authorization header in any line', () => {
      for (const service of [user, restaurant, order]) {
        const output = service.output();
        expect(output).not.toContain(token);
        expect(output).not.toContain(token.split('.')[2]);
        expect(output).not.toMatch(/"password"\s*:\s*"pass"/);
        expect(output.toLowerCase()).not.toContain('"authorization":"bearer');
      }
    });
  });

  describe('metrics', () => {
    let samples: Sample[];

    before(async () => {
      const scrape = await fetch(`${restaurant.url}/metrics`);
      expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      samples = parseExposition(await scrape.text());
    });

    const find = (name: string, labels: Record<string, string>) =>
      samples.filter(
        (sample) =>
          sample.name === name &&
          Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
      );

    it('labels request durations with route templates, never raw ids', () => {
      const count = (route: string, method = 'GET') =>
        find('http_server_request_duration_seconds_count', { route, method, service: 'restaurant-service' });
      expect(count('/inventory/:menuId', 'PUT')[0]).toMatchObject({
        labels: { status_class: '2xx' },
        value: 1,
      });
      expect(count('/menus/:id')[0].value).toBe(2);
      expect(count('unmatched')[0]).toMatchObject({ labels: { status_class: '4xx' }, value: 1 });
      const routes = new Set(samples.map((sample) => sample.labels.route).filter(Boolean));
      expect([...routes].filter((route) => /\d/.test(route))).toEqual([]);
      expect(routes.has('/health/ready')).toBe(false);
    });

    it('exports cache, inventory lock, pg pool, chaos and runtime series', () => {
      expect(find('cache_requests_total', { cache: 'menu', result: 'hit' })[0].value).toBe(1);
      expect(find('cache_requests_total', { cache: 'menu', result: 'miss' })[0].value).toBe(1);
      expect(find('cache_requests_total', { cache: 'menu_list', result: 'miss' })[0].value).toBe(1);
      expect(find('inventory_lock_wait_seconds_count', { operation: 'decrease' })[0].value).toBe(1);
      expect(find('inventory_lock_hold_seconds_count', { operation: 'decrease' })[0].value).toBe(1);
      expect(find('pg_pool_max_connections', {})[0].value).toBe(10);
      expect(find('pg_pool_total_connections', {})[0].value).toBeGreaterThan(0);
      expect(find('menu_stock', { menu_id: '1' })[0].value).toEqual(expect.any(Number));
      expect(
        find('chaos_active_faults', { service: 'restaurant-service', type: 'inventory_delay' })[0].value,
      ).toBe(0);
      expect(find('process_resident_memory_bytes', { service: 'restaurant-service' })).toHaveLength(1);
      expect(find('nodejs_eventloop_lag_p99_seconds', {})).toHaveLength(1);
    });

    it('attaches the trace id as an exemplar when the scrape asks for OpenMetrics', async () => {
      const scrape = await fetch(`${restaurant.url}/metrics`, {
        headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
      });
      expect(scrape.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
      const text = await scrape.text();
      expect(text.endsWith('# EOF\n')).toBe(true);
      const exemplars = parseExposition(text).filter(
        (sample) =>
          sample.name === 'http_server_request_duration_seconds_bucket' &&
          sample.labels.route === '/inventory/:menuId' &&
          sample.exemplar,
      );
      expect(exemplars.map((sample) => sample.exemplar!.labels.trace_id)).toContain(traceId);
      const lock = parseExposition(text).filter(
        (sample) => sample.name === 'inventory_lock_hold_seconds_bucket' && sample.exemplar,
      );
      expect(lock[0].exemplar!.labels.trace_id).toBe(traceId);
    });
  });

  describe('the real Prometheus with the repo scrape config', () => {
    let prometheus: LocalPrometheus;
    let url: string;

    before(async () => {
      // The repo's jobs for the services that run here, their DNS discovery swapped for the local ports.
      prometheus = await startLocalPrometheus(
        {
          'user-service': `127.0.0.1:${user.port}`,
          'restaurant-service': `127.0.0.1:${restaurant.port}`,
          'order-service': `127.0.0.1:${order.port}`,
        },
        ['--web.enable-remote-write-receiver'],
      );
      url = prometheus.url;
    });

    after(async () => {
      await prometheus?.stop();
    });

    const api = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${url}${path}`);
      const body = (await response.json()) as { status: string; data: T };
      if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
      return body.data;
    };

    it('has every target up and answers queries, exemplars included', async () => {
      try {
        await waitFor(
          'Prometheus to scrape the three services successfully',
          async () => {
            const { activeTargets } = await api<{ activeTargets: { health: string; lastError: string }[] }>(
              '/api/v1/targets',
            );
            const bad = activeTargets.filter((target) => target.health !== 'up');
            if (bad.length) throw new Error(JSON.stringify(bad));
            return activeTargets.length === 3;
          },
          { timeoutMs: 30_000, intervalMs: 250 },
        );
        const result = await api<{ result: { metric: { service: string }; value: [number, string] }[] }>(
          `/api/v1/query?query=${encodeURIComponent('sum by (service) (http_server_request_duration_seconds_count)')}`,
        );
        expect(result.result.map((series) => series.metric.service).sort()).toEqual([
          'order-service',
          'restaurant-service',
          'user-service',
        ]);
        // Exemplars survived the OpenMetrics scrape into Prometheus' exemplar storage.
        const now = Date.now() / 1000;
        const exemplars = await api<{ exemplars: { labels: { trace_id: string } }[] }[]>(
          `/api/v1/query_exemplars?query=${encodeURIComponent(
            'http_server_request_duration_seconds_bucket{service="restaurant-service"}',
          )}&start=${now - 600}&end=${now + 60}`,
        );
        const ids = exemplars.flatMap((series) =>
          series.exemplars.map((exemplar) => exemplar.labels.trace_id),
        );
        expect(ids).toContain(traceId);
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\n--- prometheus output ---\n${prometheus.output().slice(-3000)}`,
          {
            cause: error,
          },
        );
      }
    });
  });

  describe('dashboards', () => {
    it('query only metric names the services, their libraries and Tempo export', async () => {
      const known = new Set<string>();
      const scrapes = new Map<ServiceProcess, string>();
      for (const service of [user, restaurant, order]) {
        scrapes.set(service, await (await fetch(`${service.url}/metrics`)).text());
        for (const name of exportedNames(scrapes.get(service)!)) known.add(name);
      }
      // The shared libraries' metrics the order service exports (http-client, loaded above).
      for (const name of exportedNames(await register.metrics())) known.add(name);
      // The traffic generator's own metrics (load/traffic), on the service overview's synthetic traffic row.
      const traffic = new TrafficGenerator({
        target: {
          mode: 'direct',
          baseUrl: order.url,
          services: { user: user.url, restaurant: restaurant.url, order: order.url },
        },
        rate: 0,
        maxRate: 1,
        sessions: 1,
        maxSessions: 1,
        maxInFlight: 1,
        timeoutMs: 1000,
        stock: { low: 0, refill: 1, checkMs: 1000 },
        logger: pino({ level: 'silent' }),
      });
      for (const name of exportedNames(await traffic.registry.metrics())) known.add(name);
      await traffic.close();
      // The order service's own metrics, as declared for the order saga dashboard, must be what it exports.
      const contract = JSON.parse(readFileSync(join(INFRA, 'grafana', 'order-metrics.json'), 'utf8')) as {
        metrics: { name: string; type: string; labels: string[]; shared?: boolean }[];
      };
      const orderNames = exportedNames(scrapes.get(order)!);
      const orderSamples = parseExposition(scrapes.get(order)!);
      for (const { name, type, labels, shared } of contract.metrics) {
        known.add(name);
        if (type === 'histogram')
          for (const suffix of ['_bucket', '_sum', '_count']) known.add(name + suffix);
        if (shared) continue;
        expect([name, orderNames.has(name)]).toEqual([name, true]);
        const sample = orderSamples.find(
          (entry) => entry.name === (type === 'histogram' ? `${name}_count` : name),
        );
        if (sample)
          expect([name, Object.keys(sample.labels).sort()]).toEqual([name, [...labels, 'service'].sort()]);
      }
      // Generated by Tempo's metrics generator from the spans (see tempo/tempo.yaml).
      for (const name of [
        'traces_service_graph_request_total',
        'traces_service_graph_request_failed_total',
        'traces_service_graph_request_server_seconds_bucket',
        'traces_service_graph_request_client_seconds_bucket',
        'traces_spanmetrics_calls_total',
        'traces_spanmetrics_latency_bucket',
        'traces_spanmetrics_latency_sum',
        'traces_spanmetrics_latency_count',
      ]) {
        known.add(name);
      }

      const queries: { where: string; expr: string }[] = [];
      for (const file of readdirSync(join(INFRA, 'grafana', 'dashboards'))) {
        const dashboard = JSON.parse(readFileSync(join(INFRA, 'grafana', 'dashboards', file), 'utf8'));
        for (const panel of dashboard.panels) {
          for (const target of panel.targets ?? []) {
            if ((target.datasource ?? panel.datasource)?.uid === 'prometheus') {
              queries.push({ where: `${file} "${panel.title}"`, expr: target.expr });
            }
          }
        }
        for (const annotation of dashboard.annotations.list) {
          if (annotation.datasource?.uid === 'prometheus')
            queries.push({ where: `${file} annotation`, expr: annotation.expr });
        }
        for (const variable of dashboard.templating.list) {
          const match = /label_values\(([^,{)]+)/.exec(variable.query?.query ?? '');
          if (match) queries.push({ where: `${file} $${variable.name}`, expr: match[1] });
        }
      }
      const datasources = readFileSync(
        join(INFRA, 'grafana', 'provisioning', 'datasources', 'datasources.yaml'),
        'utf8',
      );
      for (const match of datasources.matchAll(/query: '(.*)'/g)) {
        if (!match[1].startsWith('{'))
          queries.push({ where: 'datasources.yaml', expr: match[1].replace(/\$\$/g, '$') });
      }

      expect(queries.length).toBeGreaterThan(40);
      const unknown = queries.flatMap(({ where, expr }) =>
        metricNames(expr)
          .filter((name) => !known.has(name))
          .map((name) => `${where}: ${name}`),
      );
      expect(unknown).toEqual([]);
    });

    // No Tempo binary here, so the panels on Tempo's traces_* series cannot be evaluated (dashboards-live leaves
    // them out): instead, their label matchers must select series that Tempo 2.6's metrics generator would make
    // from the spans these services really send. Span metrics: one series per service, span_name, span_kind and
    // status_code; service graph: one per client → server edge (a client span and the server span it called).
    it('the panels on Tempo’s series select spans the services really send', async () => {
      const tempoQueries = dashboardQueries().filter(
        (query) =>
          query.language === 'promql' && metricNames(query.expr).every((name) => name.startsWith('traces_')),
      );
      expect(tempoQueries.length).toBeGreaterThan(0);
      const KIND = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
      const STATUS = ['UNSET', 'OK', 'ERROR'];
      const seriesOf = (spans: ReceivedSpan[], metric: string): Record<string, string>[] => {
        if (metric.startsWith('traces_spanmetrics_')) {
          return spans.map((span) => ({
            service: span.service,
            span_name: span.name,
            span_kind: `SPAN_KIND_${KIND[span.kind]}`,
            status_code: `STATUS_CODE_${STATUS[span.status.code ?? 0]}`,
          }));
        }
        if (metric.startsWith('traces_service_graph_')) {
          const byId = new Map(spans.map((span) => [span.spanId, span]));
          return spans.flatMap((server) => {
            const client = server.kind === 2 ? byId.get(server.parentSpanId ?? '') : undefined;
            return client?.kind === 3 && client.service !== server.service
              ? [{ client: client.service, server: server.service }]
              : [];
          });
        }
        throw new Error(`${metric}: not a series of Tempo's metrics generator this test knows`);
      };
      const misses = (spans: ReceivedSpan[]) =>
        tempoQueries.flatMap((query) =>
          promqlSelectors(query.expr).flatMap(({ metric, matchers }) => {
            const series = seriesOf(spans, metric);
            const labels = new Set(['service', 'span_name', 'span_kind', 'status_code', 'client', 'server']);
            for (const matcher of matchers) {
              if (!labels.has(matcher.label))
                throw new Error(`${query.panel}: label ${matcher.label} is not one this test derives`);
            }
            const hit = series.some((entry) =>
              matchers.every((matcher) => matcherAccepts(matcher, entry[matcher.label] ?? '')),
            );
            return hit ? [] : [`${query.dashboard} / ${query.panel}: ${metric}`];
          }),
        );
      const spans = await receiver
        .waitForSpans('spans for every panel on Tempo’s series', (all) => misses(all).length === 0)
        .catch(() => receiver.spans());
      expect(misses(spans)).toEqual([]);
    });
  });
});

describe('an unreachable collector', () => {
  let stack: TestStack;
  let user: ServiceProcess;

  before(async () => {
    stack = await createTestStack('telemetry-down');
    const closedPort = await freePort();
    user = await startServiceProcess('user', {
      ...stack.baseEnv,
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
  });

  after(async () => {
    await user?.stop();
    await stack?.teardown();
  });

  it('costs one warning, and the service keeps serving', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await request(`${user.url}/.well-known/jwks.json`)).status).toBe(200);
      await new Promise((done) => setTimeout(done, 150));
    }
    const warnings = await waitFor('the export failure to be reported', () => {
      const lines = logLines(user).filter((entry) => entry.context === 'OpenTelemetry');
      return lines.length > 0 && lines;
    });
    await new Promise((done) => setTimeout(done, 500));
    expect(logLines(user).filter((entry) => entry.context === 'OpenTelemetry')).toHaveLength(warnings.length);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      service: 'user-service',
      level: 'warn',
    });
    expect(warnings[0].msg).toContain('ECONNREFUSED');
    expect((await request(`${user.url}/health/ready`)).status).toBe(200);
  });
});
