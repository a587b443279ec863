#!/usr/bin/env node
// A connection storm for the benchmark's overload rows: CONNECTIONS clients open at once and send again the moment
// they are answered (like wrk), while a probe asks PROBE_URL (the service's /health/live) every 50 ms on its own
// connection. Unlike wrk it keeps latency per outcome: admitted (2xx) and refused (503) requests separately, and
// the probe's. Prints one JSON line (STORM_RESULT …).
//
// Usage: node storm.mjs <url> (env: CONNECTIONS, DURATION_S, METHOD, BODY (JSON, "{menu}" replaced by 1..MENUS),
// MENUS, TOKEN, PROBE_URLS: comma-separated, each probed on its own connection)
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

const url = process.argv[2];
const connections = Number(process.env.CONNECTIONS ?? 256);
const durationMs = Number(process.env.DURATION_S ?? 10) * 1000;
const method = process.env.METHOD ?? 'GET';
const body = process.env.BODY;
const menus = Number(process.env.MENUS ?? 20);
const token = process.env.TOKEN;
const probeUrls = (process.env.PROBE_URLS ?? '').split(',').filter(Boolean);

const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const agent = new Agent({ connections, pipelining: 1, connectTimeout: 30_000 });
const latencies = { ok: [], shed: [], other: [] };
// The same, for requests sent once the storm is SETTLE_MS old: what the service holds to once it has adapted.
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 2000);
const settled = { ok: [], shed: [], other: [] };
const startedAt = Date.now();
const statuses = {};
let errors = 0;
const deadline = Date.now() + durationMs;

async function client() {
  while (Date.now() < deadline) {
    const started = performance.now();
    const sentAt = Date.now();
    try {
      const headers = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (method === 'POST') headers['idempotency-key'] = randomUUID();
      const res = await request(url, {
        method,
        dispatcher: agent,
        headers,
        body: body?.replace('{menu}', String(1 + Math.floor(Math.random() * menus))),
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      await res.body.dump();
      const ms = performance.now() - started;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      const kind = res.statusCode < 300 ? 'ok' : res.statusCode === 503 ? 'shed' : 'other';
      latencies[kind].push(ms);
      if (sentAt - startedAt >= SETTLE_MS) settled[kind].push(ms);
    } catch {
      errors += 1;
    }
  }
}

async function probe(probeUrl) {
  const probeAgent = new Agent({ connections: 1 });
  const times = [];
  let failures = 0;
  while (Date.now() < deadline) {
    const started = performance.now();
    try {
      const res = await request(probeUrl, { dispatcher: probeAgent, headersTimeout: 30_000 });
      await res.body.dump();
      if (res.statusCode !== 200) failures += 1;
      times.push(performance.now() - started);
    } catch {
      failures += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await probeAgent.close();
  return { times, failures };
}

const [probeResults] = await Promise.all([
  Promise.all(probeUrls.map(probe)),
  ...Array.from({ length: connections }, client),
]);
await agent.close();
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
    errors,
    ok: summary(latencies.ok),
    shed: summary(latencies.shed),
    other: summary(latencies.other),
    settled: { ok: summary(settled.ok), shed: summary(settled.shed) },
    probes: probeResults.map(({ times, failures }, i) => ({
      url: probeUrls[i],
      ...summary(times),
      max: round(Math.max(...times, 0)),
      failures,
    })),
  })}\n`,
);
