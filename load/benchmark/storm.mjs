#!/usr/bin/env node
// A connection storm for the benchmark's overload rows: CONNECTIONS clients open at once and send again the moment
// they are answered (closed loop, like wrk), while probe.mjs, in a process of its own, asks each PROBE_URLS url
// (the service's /health/live) every 50 ms on its own connection. Unlike wrk it keeps latency per outcome: admitted
// (2xx) and refused (503) requests apart, and the probes'. Prints one JSON line (STORM_RESULT …).
//
// The clients are autocannon's (raw sockets, a light HTTP parser): the undici clients used before saturated their
// own core at ~0.8k requests/s, so their latencies were mostly the generator's (autocannon: ~3k/s, same machine).
//
// Usage: node storm.mjs <url> (env: CONNECTIONS, DURATION_S, METHOD, BODY (JSON, "{menu}" replaced by 1..MENUS),
// MENUS, TOKEN, PROBE_URLS: comma-separated, SETTLE_MS)
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const url = process.argv[2];
const connections = Number(process.env.CONNECTIONS ?? 256);
const durationS = Number(process.env.DURATION_S ?? 10);
const method = process.env.METHOD ?? 'GET';
const body = process.env.BODY;
const menus = Number(process.env.MENUS ?? 20);
const token = process.env.TOKEN;
const probeUrls = process.env.PROBE_URLS ?? '';
// Requests sent once the storm is SETTLE_MS old are also kept apart: what the service holds to once it has adapted.
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 2000);

const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

function runProbes() {
  if (!probeUrls) return Promise.resolve([]);
  const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'probe.mjs')], {
    env: { ...process.env, PROBE_URLS: probeUrls, DURATION_S: String(durationS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  return new Promise((resolve, reject) =>
    child.on('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith('PROBE_RESULT '));
      if (line) resolve(JSON.parse(line.slice('PROBE_RESULT '.length)));
      else reject(new Error(`probe gave no result: ${out}`));
    }),
  );
}

const latencies = { ok: [], shed: [], other: [] };
const settled = { ok: [], shed: [], other: [] };
const statuses = {};
const headers = { 'content-type': 'application/json' };
if (token) headers.authorization = `Bearer ${token}`;

const probes = runProbes();
const startedAt = Date.now();
const instance = autocannon({
  url,
  connections,
  duration: durationS,
  timeout: 30,
  requests: [
    {
      method,
      headers,
      setupRequest(req) {
        const next = { ...req, headers: { ...headers } };
        if (method === 'POST') next.headers['idempotency-key'] = randomUUID();
        if (body) next.body = body.replace('{menu}', String(1 + Math.floor(Math.random() * menus)));
        return next;
      },
    },
  ],
});
instance.on('response', (_client, statusCode, _bytes, ms) => {
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  const kind = statusCode < 300 ? 'ok' : statusCode === 503 ? 'shed' : 'other';
  latencies[kind].push(ms);
  if (Date.now() - ms - startedAt >= SETTLE_MS) settled[kind].push(ms);
});
const result = await instance;
const probeResults = await probes;
const round = (value) => Math.round(value * 10) / 10;
const summary = (values) => ({
  count: values.length,
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
});
process.stdout.write(
  `STORM_RESULT ${JSON.stringify({
    connections,
    statuses,
    errors: result.errors + result.timeouts,
    ok: summary(latencies.ok),
    shed: summary(latencies.shed),
    other: summary(latencies.other),
    settled: { ok: summary(settled.ok), shed: summary(settled.shed) },
    probes: probeResults.map(({ url: probeUrl, times, failures }) => ({
      url: probeUrl,
      ...summary(times),
      max: round(Math.max(...times, 0)),
      failures,
    })),
  })}\n`,
);
