import { expect } from 'expect';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { exportsTraces, tracingInstrumentations } from './tracing';

const ROOT = resolve(__dirname, '..', '..', '..');

describe('trace export switch', () => {
  it('exports only when an exporter or an OTLP endpoint is configured', () => {
    expect(exportsTraces({})).toBe(false);
    expect(exportsTraces({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://alloy:4318' })).toBe(true);
    expect(exportsTraces({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://alloy:4318/v1/traces' })).toBe(true);
    expect(
      exportsTraces({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://alloy:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBe(false);
    expect(exportsTraces({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
  });
});

describe('instrumentations', () => {
  /** The names a service would run, created and at once disabled again (creating one patches its module). */
  const names = (exporting: boolean, env: Record<string, string> = {}) => {
    const saved = { ...process.env };
    delete process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
    delete process.env.OTEL_NODE_DISABLED_INSTRUMENTATIONS;
    Object.assign(process.env, env);
    try {
      const instrumentations = tracingInstrumentations(exporting);
      for (const instrumentation of instrumentations) instrumentation.disable();
      return instrumentations.map((instrumentation) => instrumentation.instrumentationName).sort();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  };

  it('are the auto-instrumentations this system uses, and Fastify’s own; pg and ioredis only when exporting', () => {
    expect(names(false)).toEqual([
      '@fastify/otel',
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-undici',
    ]);
    expect(names(true)).toEqual([
      '@fastify/otel',
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-ioredis',
      '@opentelemetry/instrumentation-pg',
      '@opentelemetry/instrumentation-undici',
    ]);
  });

  it('follow the standard variables when the operator sets them', () => {
    expect(names(true, { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'ioredis' })).not.toContain(
      '@opentelemetry/instrumentation-ioredis',
    );
    expect(
      names(true, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,pg,ioredis,nestjs-core' }),
    ).toContain('@opentelemetry/instrumentation-nestjs-core');
  });
});

/**
 * A process started the way a service is (tracing first), with a Fastify route that calls another server with
 * fetch. Reports the traceparent that server received for an incoming traceparent, and whether the Node SDK
 * was loaded.
 */
function runTracedProcess(env: Record<string, string>) {
  const script = `
    require('@food-delivery/observability/tracing').startTracing({ serviceName: 'tracing-spec' });
    const http = require('node:http');
    const Fastify = require('fastify');
    (async () => {
      let seen;
      const downstream = http.createServer((req, res) => { seen = req.headers.traceparent ?? null; res.end('ok'); });
      await new Promise((done) => downstream.listen(0, '127.0.0.1', done));
      const app = Fastify();
      app.get('/call', async () => {
        await (await fetch('http://127.0.0.1:' + downstream.address().port + '/')).text();
        return { seen };
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      // The caller uses node:http, which adds no traceparent of its own without a parent span (fetch would).
      const body = await new Promise((done, fail) =>
        http
          .get(
            'http://127.0.0.1:' + app.server.address().port + '/call',
            { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' } },
            (res) => {
              let text = '';
              res.on('data', (chunk) => (text += chunk)).on('end', () => done(JSON.parse(text)));
            },
          )
          .on('error', fail),
      );
      const sdkLoaded = Object.keys(require.cache).some((path) => path.includes('/@opentelemetry/sdk-node/'));
      process.stdout.write(JSON.stringify({ traceparent: body.seen, sdkLoaded }));
      await app.close();
      downstream.close();
      await require('@food-delivery/observability/tracing').flushTracing(500);
      process.exit(0);
    })();`;
  const result = spawnSync(
    process.execPath,
    [
      '--require',
      join(ROOT, 'scripts', 'ts-register.cjs'),
      '--conditions=@food-delivery/source',
      '-e',
      script,
    ],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', OTEL_LOG_LEVEL: 'none', ...env },
    },
  );
  expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  return JSON.parse(result.stdout) as { traceparent: string | null; sdkLoaded: boolean };
}

describe('tracing start-up', () => {
  it('with nothing to export: continues the incoming trace on outbound calls, without loading the Node SDK', () => {
    const { traceparent, sdkLoaded } = runTracedProcess({});
    expect(traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
    expect(traceparent).not.toContain('00f067aa0ba902b7'); // a span of this process's own in between
    expect(sdkLoaded).toBe(false);
  });

  it('exporting: the Node SDK reads the OTEL_* configuration, and the trace still continues', () => {
    const { traceparent, sdkLoaded } = runTracedProcess({
      // Nothing listens there: spans are dropped, the requests are not affected.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'always_on',
    });
    expect(traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(sdkLoaded).toBe(true);
  });
});
