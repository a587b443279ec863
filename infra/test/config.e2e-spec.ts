// Static checks of the observability stack (no Docker here): what promtool can validate, every file parses,
// ports/images/mounts are consistent, the Grafana datasources link the signals, and the dashboards only refer to
// provisioned datasources and are up to date with their builder.
import { expect } from 'expect';
import { load } from 'js-yaml';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderDashboards } from '../grafana/build-dashboards.mjs';

const INFRA = join(__dirname, '..');
const read = (...path: string[]) => readFileSync(join(INFRA, ...path), 'utf8');
const yaml = (...path: string[]) => load(read(...path)) as any;

const STACK = ['alloy', 'grafana', 'loki', 'prometheus', 'tempo'];

describe('observability stack configuration', () => {
  describe('compose file', () => {
    const compose = yaml('docker-compose.yml');

    it('has the stack, each image pinned to a version, behind the observability profile', () => {
      expect(Object.keys(compose.services).sort()).toEqual(STACK);
      for (const [name, service] of Object.entries<any>(compose.services)) {
        expect([name, service.image]).toEqual([name, expect.stringMatching(/^[\w./-]+:v?\d+\.\d+\.\d+$/)]);
        expect(service.profiles).toEqual(['observability']);
        expect(service.container_name).toBeUndefined(); // would clash when included by the root project
        expect(service.mem_limit).toEqual(expect.stringMatching(/^\d+m$/));
      }
      expect(JSON.stringify(compose)).not.toMatch(/promtail|:latest/i);
      // Standalone use turns the profile on from infra/.env.
      expect(read('.env')).toMatch(/^COMPOSE_PROFILES=observability$/m);
    });

    it("publishes the spec ports on the host's loopback only; Grafana's admin password comes from .env", () => {
      const ports = Object.fromEntries(
        Object.entries<any>(compose.services).map(([name, service]) => [name, service.ports ?? []]),
      );
      expect(ports.grafana).toContain('127.0.0.1:3000:3000');
      expect(ports.prometheus).toContain('127.0.0.1:9090:9090');
      expect(ports.tempo).toContain('127.0.0.1:3200:3200');
      expect(ports.alloy).toEqual(expect.arrayContaining(['127.0.0.1:4317:4317', '127.0.0.1:4318:4318']));
      for (const [name, published] of Object.entries(ports)) {
        for (const port of published as string[])
          expect([name, port]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:/)]);
      }
      expect(compose.services.grafana.environment).toMatchObject({
        GF_SECURITY_ADMIN_USER: 'admin',
        // No constant: compose refuses to start until `npm run compose:env` has written one.
        GF_SECURITY_ADMIN_PASSWORD: '${GRAFANA_ADMIN_PASSWORD:?run npm run compose:env}',
      });
    });

    it('mounts files that exist, and declares every named volume (nothing external)', () => {
      const declared = Object.keys(compose.volumes ?? {});
      for (const [name, service] of Object.entries<any>(compose.services)) {
        for (const volume of service.volumes ?? []) {
          const [source] = String(volume).split(':');
          if (source.startsWith('./')) expect([name, existsSync(join(INFRA, source))]).toEqual([name, true]);
          else if (!source.startsWith('/')) expect(declared).toContain(source);
        }
      }
      for (const volume of Object.values<any>(compose.volumes ?? {}))
        expect(volume?.external).toBeUndefined();
      expect(compose.networks).toBeUndefined(); // the including project's default network is shared
      const prometheusConfig = compose.services.prometheus.command.find((arg: string) =>
        arg.startsWith('--config'),
      );
      expect(prometheusConfig).toBe('--config.file=/etc/prometheus/${PROMETHEUS_CONFIG:-prometheus.yml}');
      expect(compose.services.prometheus.command).toEqual(
        expect.arrayContaining(['--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage']),
      );
    });

    it('health-checks on 127.0.0.1 (Prometheus listens on IPv4 only; localhost may resolve to ::1)', () => {
      for (const [name, service] of Object.entries<any>(compose.services)) {
        const probe = JSON.stringify(service.healthcheck?.test ?? []);
        expect([name, probe]).toEqual([name, expect.not.stringMatching(/localhost/)]);
      }
      expect(compose.services.prometheus.healthcheck.test).toContain('http://127.0.0.1:9090/-/ready');
    });

    it("gives Alloy the compose project's name, which its log discovery filters on", () => {
      expect(compose.services.alloy.environment.COMPOSE_PROJECT).toBe(
        '${COMPOSE_PROJECT_NAME:-food-delivery}',
      );
    });
  });

  describe('Prometheus', () => {
    it('passes promtool check config (compose and host variants)', () => {
      for (const file of ['prometheus.yml', 'prometheus.host.yml']) {
        const output = execFileSync('promtool', ['check', 'config', join(INFRA, 'prometheus', file)], {
          encoding: 'utf8',
        });
        expect(output).toContain('SUCCESS');
      }
    });

    it('scrapes the three services on their spec ports', () => {
      const jobs = (file: string) =>
        Object.fromEntries(
          yaml('prometheus', file).scrape_configs.map((job: any) => [
            job.job_name,
            job.dns_sd_configs?.[0] ?? job.static_configs?.[0],
          ]),
        );
      expect(jobs('prometheus.yml')).toMatchObject({
        'user-service': { names: ['user-service'], type: 'A', port: 8001 },
        'restaurant-service': { names: ['restaurant-service'], type: 'A', port: 8002 },
        'order-service': { names: ['order-service'], type: 'A', port: 8003 },
      });
      expect(jobs('prometheus.host.yml')).toMatchObject({
        'user-service': { targets: ['host.docker.internal:8001'] },
        'restaurant-service': { targets: ['host.docker.internal:8002'] },
        'order-service': { targets: ['host.docker.internal:8003'] },
      });
    });
  });

  describe('Tempo, Loki and Alloy', () => {
    it('Tempo receives OTLP and generates the service graph and span metrics into Prometheus', () => {
      const tempo = yaml('tempo', 'tempo.yaml');
      expect(tempo.server.http_listen_port).toBe(3200);
      expect(Object.keys(tempo.distributor.receivers.otlp.protocols).sort()).toEqual(['grpc', 'http']);
      expect(tempo.metrics_generator.storage.remote_write[0]).toMatchObject({
        url: 'http://prometheus:9090/api/v1/write',
        send_exemplars: true,
      });
      expect(tempo.overrides.defaults.metrics_generator.processors.sort()).toEqual([
        'service-graphs',
        'span-metrics',
      ]);
    });

    it('Loki keeps structured metadata (trace_id) on a TSDB v13 schema', () => {
      const loki = yaml('loki', 'loki.yaml');
      expect(loki.server.http_listen_port).toBe(3100);
      expect(loki.schema_config.configs[0]).toMatchObject({ store: 'tsdb', schema: 'v13' });
      expect(loki.limits_config.allow_structured_metadata).toBe(true);
    });

    it('Alloy receives OTLP for Tempo and ships container logs (Docker API) to Loki with the trace id', () => {
      const alloy = read('alloy', 'config.alloy');
      const code = alloy.replace(/\/\/.*$/gm, '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
      let depth = 0;
      for (const char of code) {
        depth += char === '{' ? 1 : char === '}' ? -1 : 0;
        expect(depth).toBeGreaterThanOrEqual(0);
      }
      expect(depth).toBe(0);
      // Docker discovery lists every container of the host: only this compose project's go to Loki.
      const discovery = /discovery\.docker "containers" \{[\s\S]*?\n\}/.exec(alloy)?.[0] ?? '';
      expect(discovery.replace(/\s+/g, ' ')).toContain(
        'filter { name = "label" values = ["com.docker.compose.project=" + sys.env("COMPOSE_PROJECT")] }',
      );
      for (const expected of [
        'endpoint = "0.0.0.0:4317"',
        'endpoint = "0.0.0.0:4318"',
        'endpoint = "tempo:4317"',
        'url = "http://loki:3100/loki/api/v1/push"',
        'loki.source.docker "containers"',
        'trace_id    = "trace_id"',
        'log_service = "service"',
      ]) {
        expect(alloy).toContain(expected);
      }
      // Every component referenced as `<kind>.<name>.receiver|input|targets|rules` is defined.
      for (const match of alloy.matchAll(/([a-z_.]+)\.([a-z_]+)\.(?:receiver|input|targets|rules)\b/g)) {
        expect(alloy).toContain(`${match[1]} "${match[2]}"`);
      }
    });
  });

  describe('Grafana', () => {
    const datasources = yaml('grafana', 'provisioning', 'datasources', 'datasources.yaml')
      .datasources as any[];
    const byUid = Object.fromEntries(datasources.map((datasource) => [datasource.uid, datasource]));

    it('provisions Prometheus, Tempo and Loki with fixed uids, at the compose service addresses', () => {
      expect(Object.keys(byUid).sort()).toEqual(['loki', 'prometheus', 'tempo']);
      expect([byUid.prometheus.url, byUid.tempo.url, byUid.loki.url]).toEqual([
        'http://prometheus:9090',
        'http://tempo:3200',
        'http://loki:3100',
      ]);
    });

    it('links every signal: exemplar → trace, trace → logs/metrics/service map, log trace_id → trace', () => {
      const prometheus = byUid.prometheus.jsonData;
      // The services label their exemplars `trace_id` (see libs/observability); Tempo's span metrics `traceID`.
      expect(prometheus.exemplarTraceIdDestinations).toEqual([
        expect.objectContaining({ name: 'trace_id', datasourceUid: 'tempo' }),
        expect.objectContaining({ name: 'traceID', datasourceUid: 'tempo' }),
      ]);
      const tempo = byUid.tempo.jsonData;
      expect(tempo.tracesToLogsV2).toMatchObject({
        datasourceUid: 'loki',
        customQuery: true,
        tags: [{ key: 'service.name', value: 'service_name' }],
      });
      expect(tempo.tracesToLogsV2.query).toBe('{${__tags}} |= "${__trace.traceId}"'.replace(/\$/g, '$$$$'));
      expect(tempo.tracesToMetrics.datasourceUid).toBe('prometheus');
      expect(tempo.serviceMap.datasourceUid).toBe('prometheus');
      expect(tempo.lokiSearch.datasourceUid).toBe('loki');

      const [derived] = byUid.loki.jsonData.derivedFields;
      expect(derived).toMatchObject({ name: 'trace_id', datasourceUid: 'tempo', url: '$${__value.raw}' });
      const line =
        '{"level":"info","service":"restaurant-service","req":{"id":"r1"},"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","route":"/inventory/:menuId"}';
      expect(new RegExp(derived.matcherRegex).exec(line)?.[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      // Grafana expands $VAR in provisioning files: every Grafana variable must be written $$.
      const settings = read('grafana', 'provisioning', 'datasources', 'datasources.yaml').replace(
        /#.*$/gm,
        '',
      );
      expect(settings).not.toMatch(/(?<!\$)\$(?!\$)/);
    });

    it('loads the dashboards folder that compose mounts', () => {
      const provider = yaml('grafana', 'provisioning', 'dashboards', 'dashboards.yaml').providers[0];
      expect(yaml('docker-compose.yml').services.grafana.volumes).toContain(
        `./grafana/dashboards:${provider.options.path}:ro`,
      );
    });

    const files = readdirSync(join(INFRA, 'grafana', 'dashboards')).filter((file) => file.endsWith('.json'));
    const dashboards = files.map((file) => ({ file, json: JSON.parse(read('grafana', 'dashboards', file)) }));

    it('has the five dashboards, each referring only to provisioned datasources and annotated with chaos', () => {
      expect(files.sort()).toEqual([
        'cache-effectiveness.json',
        'chaos.json',
        'inventory-locking.json',
        'order-saga.json',
        'service-overview.json',
      ]);
      expect(new Set(dashboards.map(({ json }) => json.uid)).size).toBe(files.length);
      for (const { file, json } of dashboards) {
        const uids = new Set<string>();
        JSON.stringify(json, (key, value: unknown) => {
          if (key === 'datasource' && value && typeof value === 'object')
            uids.add((value as { uid: string }).uid);
          return value;
        });
        uids.delete('-- Grafana --');
        expect([file, [...uids].filter((uid) => !byUid[uid])]).toEqual([file, []]);
        expect(json.annotations.list.map((annotation: { name: string }) => annotation.name)).toContain(
          'Chaos faults',
        );
        const ids = json.panels.map((panel: { id: number }) => panel.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const panel of json.panels) {
          expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
          if (panel.type !== 'row')
            expect([file, panel.title, panel.targets?.length > 0]).toEqual([file, panel.title, true]);
        }
      }
    });

    it('are up to date with infra/grafana/build-dashboards.mjs', async () => {
      const built = await renderDashboards();
      for (const [file, text] of Object.entries(built)) {
        expect([file, read('grafana', 'dashboards', file) === text]).toEqual([file, true]);
      }
    });
  });
});
