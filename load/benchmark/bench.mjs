#!/usr/bin/env node
// `npm run bench`: starts the three services (built, no chaos, tracing exporter off) against a private database,
// then measures them with wrk and measures the references in the same run, on the same machine: the bare
// three-hop reference (bare-three-hop.mjs: the same order work on bare node:http servers, the architecture's
// floor), pgbench doing the order's SQL, a bare Node HTTP server returning the same menu JSON. Also open-model
// latency (open-model.mjs, constant arrival rate) and each service's memory (memory-sampler.mjs). Prints a table
// with each figure, its reference and the ratio, the targets with ✅/❌, and writes the results into BENCHMARKS.md.
//
// Options (env): BENCH_DURATION_S (10), BENCH_WARMUP_S (15), BENCH_CONNECTIONS ("8,32,64"), DATABASE_URL (the server to use),
// REDIS_URL, BENCH_WRITE=0 to leave BENCHMARKS.md alone, BENCH_NODE_ARGS (more flags for the services' node),
// BENCH_ONLY=orders,open,reads,hostile,overload to measure only some of the figures (then BENCHMARKS.md is left
// alone; open needs orders, for the bare reference's peak).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import pg from 'pg';
import { nodeVersionProblem } from '../../scripts/node-version.mjs';
import { preflight } from '../../scripts/preflight.mjs';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../scripts/service-runtime.mjs';
import { cpuMsFromStat, evaluateTargets, TARGETS } from './measure.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_S ?? 15);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '8,32,64').split(',').map(Number);
// The bare reference's fixed admission cap in the overload rows (its database pool holds 10 connections).
const BARE_CAP = Number(process.env.BENCH_BARE_CAP ?? 16);
const BASE_DB_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_KEY = `bench-admin-${randomBytes(8).toString('hex')}`;
const SERVICE_SECRET = randomBytes(18).toString('base64url');
const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const say = (message) => process.stdout.write(`[bench] ${message}\n`);
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const measures = (part) => ONLY === null || ONLY.has(part);

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function dbUrl(name) {
  const url = new URL(BASE_DB_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: dbUrl('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function waitReady(url, child, name) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not become ready`);
}

/** Starts a built service the way production runs it (its runtime flags, instrumentation preloaded). */
async function startService(dir, port, env) {
  const dist = join(root, 'services', dir, 'dist');
  const preload = existsSync(join(dist, 'instrumentation.js'))
    ? ['--require', join(dist, 'instrumentation.js')]
    : [];
  // BENCH_NODE_ARGS: extra flags for a look inside (`--cpu-prof --cpu-prof-dir=/tmp/prof`, another V8 flag to A/B).
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...SERVICE_NODE_FLAGS, ...extra, ...preload, join(dist, 'main.js')],
    {
      cwd: join(root, 'services', dir),
      env: { ...SERVICE_ENV, ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, dir).catch((error) => {
    throw new Error(`${error.message}\n${stderr}`);
  });
  return { dir, url, child, stderr: () => stderr };
}

function wrk(url, connections, env, seconds = DURATION) {
  const result = spawnSync(
    'wrk',
    [
      '-t',
      String(Math.min(2, connections)),
      '-c',
      String(connections),
      '-d',
      `${seconds}s`,
      '--timeout',
      '5s',
      '-s',
      join(here, 'bench.lua'),
      url,
    ],
    { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const line = result.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`wrk gave no result: ${result.stdout}\n${result.stderr}`);
  const raw = JSON.parse(line.slice('BENCH_RESULT '.length));
  // Orders count when their body says CONFIRMED (whatever the status code); reads when answered below 400.
  const ok =
    env.BENCH_METHOD === 'GET'
      ? Object.entries(raw.statuses)
          .filter(([status]) => Number(status) < 400)
          .reduce((sum, [, count]) => sum + count, 0)
      : raw.confirmed;
  return {
    rps: raw.requests / (raw.duration_us / 1e6),
    okRps: ok / (raw.duration_us / 1e6),
    p50: raw.p50_us / 1000,
    p99: raw.p99_us / 1000,
    statuses: raw.statuses,
    socketErrors: raw.socket_errors,
  };
}

/** The same SQL work as one order: lock the menu row, decrement, insert the order; at the same concurrency. */
function pgbench(databaseUrl, connections, hot, seconds = DURATION) {
  const dir = mkdtempSync(join(tmpdir(), 'fd-pgbench-'));
  const script = join(dir, 'order.sql');
  writeFileSync(
    script,
    [
      hot ? '\\set menu 1' : '\\set menu random(1, 20)',
      'BEGIN;',
      'SELECT stock FROM bench.menus WHERE id = :menu FOR UPDATE;',
      'UPDATE bench.menus SET stock = stock - 1 WHERE id = :menu;',
      "INSERT INTO bench.orders (user_id, status, total, address, phone) VALUES (1, 'CONFIRMED', 9000, 'bench street 1', '010-1234-5678') RETURNING id;",
      "INSERT INTO bench.order_items (order_id, menu_id, quantity, unit_price) VALUES (currval('bench.orders_id_seq'), :menu, 1, 9000);",
      'END;',
      '',
    ].join('\n'),
  );
  const url = new URL(databaseUrl);
  const result = spawnSync(
    'pgbench',
    [
      '-n',
      '-c',
      String(connections),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-f',
      script,
      '-h',
      url.hostname,
      '-p',
      url.port || '5432',
      '-U',
      decodeURIComponent(url.username || 'postgres'),
      url.pathname.slice(1),
    ],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password || '') } },
  );
  rmSync(dir, { recursive: true, force: true });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(result.stdout);
  const latency = /latency average = ([\d.]+) ms/.exec(result.stdout);
  if (!tps) throw new Error(`pgbench failed: ${result.stdout}\n${result.stderr}`);
  return { tps: Number(tps[1]), latencyMs: latency ? Number(latency[1]) : NaN };
}

async function preparePgbenchSchema(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`
    CREATE SCHEMA bench;
    CREATE TABLE bench.menus (id int PRIMARY KEY, stock int NOT NULL CHECK (stock >= 0), price int NOT NULL);
    INSERT INTO bench.menus SELECT g, 100000000, 9000 FROM generate_series(1, 20) g;
    CREATE TABLE bench.orders (id bigserial PRIMARY KEY, user_id int NOT NULL, status varchar(16) NOT NULL,
      total int NOT NULL, address varchar(200) NOT NULL, phone varchar(32) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE bench.order_items (order_id bigint NOT NULL REFERENCES bench.orders(id), menu_id int NOT NULL,
      quantity int NOT NULL, unit_price int NOT NULL, PRIMARY KEY (order_id, menu_id));`);
  await client.end();
}

/**
 * A bare Node HTTP server returning fixed bytes with `status` (and 200 on /health/*): with 200, the ceiling for a
 * cached GET /menus on this machine; with 503, the floor of a refusal under a storm (Node's HTTP path and nothing
 * else), to read the services' refusal and probe figures against.
 */
async function startBareServer(body, status = 200) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const body = Buffer.from(process.env.BODY); const status = ${status}; require('node:http').createServer({ requireHostHeader: false }, (req, res) => { if (req.url.startsWith('/health/')) { res.writeHead(200, { 'content-type': 'application/json' }); return res.end('{"status":"ok"}'); } req.resume(); res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, ...(status === 503 ? { 'retry-after': '1' } : {}) }); res.end(body); }).listen({ port: ${port}, host: '127.0.0.1', backlog: 4096 });`,
    ],
    { env: { ...process.env, BODY: body }, stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i += 1) {
    try {
      await fetch(url);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { url, child };
}

/**
 * The bare three-hop reference (bare-three-hop.mjs): user, restaurant and order roles as three processes on the
 * services' own database, calling each other over keep-alive. Returns the order role's URL and a stop function.
 */
async function startBareThreeHop(databaseUrl, orderEnv = {}) {
  const children = [];
  const start = (role, env) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(here, 'bare-three-hop.mjs'), role], {
        env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      let err = '';
      child.stderr.on('data', (chunk) => (err = (err + chunk).slice(-4000)));
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const ready = /BARE_READY (\d+)/.exec(out);
        if (ready) resolve(`http://127.0.0.1:${ready[1]}`);
      });
      child.on('exit', (code) => reject(new Error(`bare ${role} exited ${code}: ${err}`)));
    });
  const userUrl = await start('user', {});
  const restaurantUrl = await start('restaurant', {});
  const url = await start('order', { USER_URL: userUrl, RESTAURANT_URL: restaurantUrl, ...orderEnv });
  return {
    url,
    pids: children.map((child) => child.pid),
    stop: () => children.forEach((child) => child.kill('SIGKILL')),
  };
}

/** Runs open-model.mjs (see there): POST /orders at a constant arrival rate, latency from each due time. */
function openModel(url, env) {
  const result = spawnSync(process.execPath, [join(here, 'open-model.mjs'), url], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith('OPEN_RESULT '));
  if (!line) throw new Error(`open-model gave no result: ${result.stdout}\n${result.stderr}`);
  return JSON.parse(line.slice('OPEN_RESULT '.length));
}

/**
 * memory-sampler.mjs in its own process (this one blocks while wrk runs): peaks of RSS, RssAnon and PSS of each
 * service over the whole run. `peaks()` reads what it has seen so far.
 */
function startMemorySampler(processes) {
  const dir = mkdtempSync(join(tmpdir(), 'fd-bench-mem-'));
  const out = join(dir, 'peaks.json');
  const child = spawn(
    process.execPath,
    [join(here, 'memory-sampler.mjs'), out, ...processes.map(({ name, pid }) => `${name}=${pid}`)],
    { stdio: 'ignore' },
  );
  return {
    peaks: () => (existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {}),
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * CPU used so far (ms) by each named process and by the Postgres backends serving `database` (summed), read
 * from /proc: `cpuPerOrder` of two snapshots tells where an order's CPU goes.
 */
async function cpuSnapshot(processes, database) {
  const read = (pid) => {
    try {
      return cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return NaN; // not on this machine (a remote server) or gone
    }
  };
  const snapshot = Object.fromEntries(processes.map(({ name, pid }) => [name, read(pid)]));
  const client = new pg.Client({ connectionString: dbUrl(database) });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    snapshot.postgres = Object.fromEntries(rows.map(({ pid }) => [pid, read(pid)]));
  } finally {
    await client.end();
  }
  return snapshot;
}

/** "order 0.81, restaurant 0.43, … ms" of CPU per order between two snapshots. */
function cpuPerOrder(before, after, orders) {
  const parts = [];
  for (const name of Object.keys(after)) {
    let used;
    if (name === 'postgres') {
      // A backend that was not there before was started during the run: all its CPU counts.
      used = Object.entries(after.postgres).reduce(
        (sum, [pid, ms]) => sum + (ms - (before.postgres[pid] ?? 0)),
        0,
      );
    } else used = after[name] - before[name];
    if (Number.isFinite(used)) parts.push(`${name} ${(used / orders).toFixed(2)}`);
  }
  return `${parts.join(', ')} ms`;
}

function machine() {
  const cpu = cpus();
  const pgVersion = spawnSync('psql', ['--version'], { encoding: 'utf8' }).stdout.trim();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${pgVersion || 'PostgreSQL'}, wrk and pgbench on the same machine`;
}

/** Polls the order audit until every order has settled (no PENDING order, no waiting saga task), up to 60 s. */
async function settle(orderUrl) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const audit = await (
        await fetch(`${orderUrl}/orders/audit`, { signal: AbortSignal.timeout(10_000) })
      ).json();
      if (audit.settled) return audit;
    } catch {
      // busy: try again
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  say('orders did not settle within 60 s');
  return null;
}

/** GET with a few retries, naming the underlying cause if it keeps failing. */
async function fetchText(url) {
  let last;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      return await response.text();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  throw new Error(`GET ${url} failed: ${last?.cause?.message ?? last?.message}`);
}

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Runs storm.mjs (see there) and returns its result: latency of admitted and refused requests, and of the probe. */
function storm(url, env) {
  const result = spawnSync(process.execPath, [join(here, 'storm.mjs'), url], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith('STORM_RESULT '));
  if (!line) throw new Error(`storm gave no result: ${result.stdout}\n${result.stderr}`);
  return JSON.parse(line.slice('STORM_RESULT '.length));
}

/**
 * The most expensive bodies the parsing limits let through, each sent `times` times one after another to an
 * otherwise idle service: the slowest answer bounds the event-loop time one such request costs. A probe asks
 * /health/live meanwhile, as an orchestrator would.
 */
async function worstBodies(userUrl, times = 40) {
  const objects = (count, keys) =>
    Array.from({ length: count }, (_, i) =>
      Object.fromEntries(Array.from({ length: keys }, (_, k) => [`k${k}`, i])),
    );
  const nest = (depth, keys) => {
    let value = 1;
    for (let d = 0; d < depth - 1; d += 1) {
      value = Object.fromEntries(Array.from({ length: keys }, (_, k) => [`k${k}`, k === 0 ? value : k]));
    }
    return value;
  };
  const fit = (make) => {
    // The largest body of this shape within the 16 KiB default limit.
    let n = 1;
    while (JSON.stringify(make(n + 1)).length <= 16 * 1024) n += 1;
    return JSON.stringify(make(n));
  };
  const cases = [
    [
      "the issue's body: 1 MB of 100 000 unknown keys",
      JSON.stringify({
        username: 'user',
        password: 'pass',
        ...Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 1])),
      }),
    ],
    [
      '16 KiB of 64-key objects in an array (the most keys the limits pass)',
      fit((n) => ({ username: 'user', password: 'pass', x: objects(n, 64) })),
    ],
    [
      '16 KiB of nesting 8 deep, 64 keys a level',
      fit((n) => ({ username: 'user', password: 'pass', x: Array.from({ length: n }, () => nest(7, 8)) })),
    ],
    ['16 KiB of one string', fit((n) => ({ username: 'user', password: 'x'.repeat(n) }))],
  ];
  const rows = [];
  for (const [name, body] of cases) {
    const times_ = [];
    const statuses = new Set();
    let probeMax = 0;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const started = performance.now();
        // A kept-alive connection the server has just closed fails once: that is not the service's latency.
        const answered = await fetch(`${userUrl}/health/live`)
          .then((res) => res.arrayBuffer())
          .then(
            () => true,
            () => false,
          );
        if (answered) probeMax = Math.max(probeMax, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    for (let i = 0; i < times; i += 1) {
      const started = performance.now();
      const res = await fetch(`${userUrl}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      times_.push(performance.now() - started);
      statuses.add(res.status);
    }
    probing = false;
    await probe;
    times_.sort((a, b) => a - b);
    rows.push({
      figure: `worst body: POST /login, ${name} (${fmt(body.length / 1024)} KiB)`,
      value: `slowest ${fmt(times_.at(-1), 1)} ms of ${times} (median ${fmt(times_[times >> 1], 1)} ms), answered ${[...statuses].join('/')}; /health/live slowest ${fmt(probeMax, 1)} ms meanwhile`,
      reference: 'target ≤ 50 ms of event-loop time',
      ratio: times_.at(-1) / 50,
      worst: times_.at(-1),
    });
  }
  return rows;
}

async function main() {
  const nodeProblem = nodeVersionProblem();
  if (nodeProblem) say(nodeProblem.message);
  if (nodeProblem?.fatal) process.exit(1);
  // wrk and pgbench: installed here when possible, else one line naming the command (scripts/preflight.mjs).
  const tools = preflight('bench', { log: say });
  if (!tools.ok) {
    process.stderr.write(`[bench] ${tools.message}\n`);
    process.exit(1);
  }
  say('building…');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
    { cwd: root, stdio: 'inherit' },
  );

  const database = `fd_bench_${runId}`;
  const prefix = `fdbench:${runId}:`;
  await adminQuery(`CREATE DATABASE "${database}"`);
  const services = [];
  let bareThreeHop = null;
  let sampler = null;
  const cleanup = async () => {
    bareThreeHop?.stop();
    sampler?.stop();
    for (const service of services) service.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const service of services) service.child.kill('SIGKILL');
    await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect().catch(() => undefined);
    if (redis.status === 'ready') {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
    redis.disconnect();
  };
  // Ctrl-C or a kill: services, the bare reference, the database and the Redis keys go too (a signal that lands
  // during a synchronous wrk or pgbench run is handled when it returns).
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ])
    process.on(signal, () => void cleanup().then(() => process.exit(code)));

  try {
    const ports = { user: await freePort(), restaurant: await freePort(), order: await freePort() };
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: dbUrl(database),
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      ADMIN_API_KEY: ADMIN_KEY,
      // The order service's client credentials at the user service: fresh for every run, as for `npm start`.
      SERVICE_CLIENTS: `order-service:${SERVICE_SECRET}`,
      SERVICE_CLIENT_ID: 'order-service',
      SERVICE_CLIENT_SECRET: SERVICE_SECRET,
      JWKS_URL: `http://127.0.0.1:${ports.user}/.well-known/jwks.json`,
      USER_SERVICE_URL: `http://127.0.0.1:${ports.user}`,
      RESTAURANT_SERVICE_URL: `http://127.0.0.1:${ports.restaurant}`,
    };
    // The management listener (MANAGEMENT_PORT), as compose and Kubernetes run it: the overload rows probe it.
    const management = { user: await freePort(), restaurant: await freePort(), order: await freePort() };
    const withManagement = (dir) => ({ ...env, MANAGEMENT_PORT: String(management[dir]) });
    say('starting user, restaurant and order services…');
    services.push(await startService('user', ports.user, withManagement('user')));
    services.push(await startService('restaurant', ports.restaurant, withManagement('restaurant')));
    services.push(await startService('order', ports.order, withManagement('order')));
    const [user, restaurant, order] = services;

    const login = await (
      await fetch(`${user.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'user', password: 'pass' }),
      })
    ).json();
    const token = login.access_token;
    // The field is `stock`, or `inventory` once the API names it so: whichever the service accepts.
    let reset;
    for (const field of ['stock', 'inventory']) {
      reset = await fetch(`${restaurant.url}/admin/stock/reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
        body: JSON.stringify({ [field]: 10_000_000 }),
      });
      if (reset.ok || reset.status !== 400) break;
    }
    if (!reset.ok) throw new Error(`stock reset failed: ${reset.status} ${await reset.text()}`);
    const menuCount = (await (await fetch(`${restaurant.url}/menus`)).json()).length;

    await preparePgbenchSchema(dbUrl(database));
    // Each service's memory over the whole run, from a process of its own.
    sampler = startMemorySampler(services.map((service) => ({ name: service.dir, pid: service.child.pid })));
    // The floor: the same order work on bare node:http servers, on the services' own tables (migrated by now).
    bareThreeHop = await startBareThreeHop(dbUrl(database));
    const rows = [];
    const cpuRows = [];
    const orderEnv = { BENCH_TOKEN: token, BENCH_MENUS: String(menuCount), BENCH_PATH: '/orders' };
    // Until the JIT has compiled the hot paths, the first seconds run at half speed.
    say(`warming up (${WARMUP} s, and ${Math.ceil(WARMUP / 3)} s for the bare reference)…`);
    wrk(order.url, 32, { ...orderEnv, BENCH_MODE: 'spread' }, WARMUP);
    wrk(bareThreeHop.url, 32, { ...orderEnv, BENCH_MODE: 'spread' }, Math.ceil(WARMUP / 3));

    for (const mode of measures('orders') ? ['spread', 'hot'] : []) {
      for (const connections of CONNECTIONS) {
        say(`POST /orders, ${mode}, ${connections} connections…`);
        const servicePids = services.map((service) => ({ name: service.dir, pid: service.child.pid }));
        const cpuBefore = await cpuSnapshot(servicePids, database);
        const result = wrk(order.url, connections, { ...orderEnv, BENCH_MODE: mode });
        const serviceCpu = cpuPerOrder(
          cpuBefore,
          await cpuSnapshot(servicePids, database),
          result.okRps * DURATION,
        );
        say(`bare three-hop reference, ${mode}, ${connections} connections…`);
        const barePids = bareThreeHop.pids.map((pid, i) => ({
          name: ['user', 'restaurant', 'order'][i],
          pid,
        }));
        const bareCpuBefore = await cpuSnapshot(barePids, database);
        const bare = wrk(bareThreeHop.url, connections, { ...orderEnv, BENCH_MODE: mode });
        const bareCpu = cpuPerOrder(
          bareCpuBefore,
          await cpuSnapshot(barePids, database),
          bare.okRps * DURATION,
        );
        cpuRows.push({
          figure: `CPU per order, ${mode} @${connections}`,
          value: `services: ${serviceCpu}`,
          reference: `bare three-hop: ${bareCpu}`,
          ratio: NaN,
        });
        say(`pgbench reference, ${mode}, ${connections} connections…`);
        // Once the bare reference's idle connections are closed (1 s); a shared server may still be full.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        let reference;
        try {
          reference = pgbench(dbUrl(database), connections, mode === 'hot');
        } catch (error) {
          say(error.message.split('\n').find((l) => /error/.test(l)) ?? error.message);
          reference = { tps: NaN };
        }
        rows.push({
          figure: `POST /orders ${mode} @${connections}`,
          value: `${fmt(result.okRps)} orders/s (p50 ${fmt(result.p50, 1)} ms, p99 ${fmt(result.p99, 1)} ms)`,
          reference: `bare three-hop ${fmt(bare.okRps)} orders/s (p50 ${fmt(bare.p50, 1)} ms, p99 ${fmt(bare.p99, 1)} ms); ${Number.isFinite(reference.tps) ? `pgbench ${fmt(reference.tps)} tx/s (${fmt(result.okRps / reference.tps, 2)} ×)` : 'pgbench n/a (no free connections)'}`,
          ratio: result.okRps / bare.okRps,
          connections,
          mode,
          result,
          bare,
        });
      }
    }

    rows.push(...cpuRows);

    // Open model: half the bare reference's peak orders/s, on the services and on the bare reference.
    const barePeak = Math.max(...rows.filter((row) => row.bare).map((row) => row.bare.okRps));
    let openModelFigures = null;
    if (measures('open') && Number.isFinite(barePeak) && barePeak > 0) {
      const rate = Math.round(barePeak / 2);
      const openEnv = {
        RATE: String(rate),
        DURATION_S: String(DURATION),
        MAX_IN_FLIGHT: '64',
        TOKEN: token,
        MENUS: String(menuCount),
        MODE: 'spread',
      };
      const results = {};
      for (const [name, url] of [
        ['services', order.url],
        ['bare three-hop', bareThreeHop.url],
      ]) {
        await settle(order.url);
        say(`open model, ${name}: POST /orders at ${rate}/s (half the bare peak)…`);
        results[name] = openModel(`${url}/orders`, openEnv);
      }
      const line = (r) =>
        `p50 ${fmt(r.latency.p50, 1)} ms, p99 ${fmt(r.latency.p99, 1)} ms, p99.9 ${fmt(r.latency.p999, 1)} ms, max ${fmt(r.latency.max, 1)} ms (${r.confirmed} of ${r.sent} confirmed, ${r.errors} errors; from send: p99 ${fmt(r.serviceTime.p99, 1)} ms)`;
      rows.push({
        figure: `POST /orders open model @${rate}/s, spread`,
        value: line(results.services),
        reference: `bare three-hop: ${line(results['bare three-hop'])}`,
        ratio: results.services.latency.p99 / results['bare three-hop'].latency.p99,
      });
      openModelFigures = { p99: results.services.latency.p99, rate };
    }

    // Let the saga's outbox drain what the order runs left in flight before measuring reads.
    await settle(order.url);
    if (measures('reads')) {
      say('GET /menus and /menus/1 (cache hits), 64 connections…');
      const menusBody = await fetchText(`${restaurant.url}/menus`);
      const bare = await startBareServer(menusBody);
      const bareRun = () => wrk(bare.url, 64, { BENCH_METHOD: 'GET', BENCH_PATH: '/' });
      wrk(bare.url, 64, { BENCH_METHOD: 'GET', BENCH_PATH: '/' }, 3);
      const bareBefore = bareRun();
      for (const path of ['/menus', '/menus/1']) {
        wrk(restaurant.url, 64, { BENCH_METHOD: 'GET', BENCH_PATH: path }, 5);
      }
      const menus = wrk(restaurant.url, 64, { BENCH_METHOD: 'GET', BENCH_PATH: '/menus' });
      const menu = wrk(restaurant.url, 64, { BENCH_METHOD: 'GET', BENCH_PATH: '/menus/1' });
      // The machine's speed drifts (shared vCPUs): the reference is measured on both sides of the figures.
      const bareAfter = bareRun();
      bare.child.kill('SIGKILL');
      const bareRps = (bareBefore.okRps + bareAfter.okRps) / 2;
      const bareLabel = `bare Node ${fmt(bareRps)} req/s (${fmt(bareBefore.okRps)} before, ${fmt(bareAfter.okRps)} after)`;
      rows.push({
        figure: 'GET /menus (cached) @64',
        value: `${fmt(menus.okRps)} req/s (p99 ${fmt(menus.p99, 1)} ms)`,
        reference: bareLabel,
        ratio: menus.okRps / bareRps,
        services: menus.okRps,
        bareNode: bareRps,
      });
      rows.push({
        figure: 'GET /menus/1 (cached) @64',
        value: `${fmt(menu.okRps)} req/s (p99 ${fmt(menu.p99, 1)} ms)`,
        reference: bareLabel,
        ratio: menu.okRps / bareRps,
      });
    }

    if (measures('hostile')) {
      say('worst request bodies within the parsing limits…');
      rows.push(...(await worstBodies(user.url)));
    }

    if (measures('overload')) {
      // POST /orders spread, as above: unloaded, then 256 and 512 connections opening at once. Admitted requests
      // should keep their p99 within 4 × the unloaded p99, refusals come back fast, and the probe answers.
      const stormEnv = {
        METHOD: 'POST',
        TOKEN: token,
        MENUS: String(menuCount),
        BODY: '{"items":[{"menu_id":{menu},"quantity":1}],"address":"bench street 1","phone":"010-1234-5678"}',
        DURATION_S: String(DURATION),
        PROBE_URLS: `http://127.0.0.1:${management.order}/health/live,${order.url}/health/live`,
      };
      await settle(order.url);
      say('POST /orders unloaded (1 connection)…');
      const unloaded = storm(`${order.url}/orders`, { ...stormEnv, CONNECTIONS: '1' });
      rows.push({
        figure: 'POST /orders unloaded @1',
        value: `p50 ${fmt(unloaded.ok.p50, 1)} ms, p99 ${fmt(unloaded.ok.p99, 1)} ms (${unloaded.ok.count} orders)`,
        reference: 'the base of the overload rows',
        ratio: NaN,
      });
      // The floor: the same storm against a bare node:http server that refuses everything (503, the services'
      // refusal body) and answers /health/live; no service can refuse faster or answer its probe sooner.
      const refusal = JSON.stringify({
        statusCode: 503,
        code: 'OVERLOADED',
        message: 'The service is overloaded, retry shortly',
        detail: 'The service is overloaded, retry shortly',
        traceId: '00000000000000000000000000000000',
      });
      const floors = {};
      for (const connections of [256, 512]) {
        const bareRefuser = await startBareServer(refusal, 503);
        say(`the same storm against a bare node:http refusing everything, ${connections} connections…`);
        floors[connections] = storm(`${bareRefuser.url}/orders`, {
          ...stormEnv,
          CONNECTIONS: String(connections),
          PROBE_URLS: `${bareRefuser.url}/health/live`,
        });
        bareRefuser.child.kill('SIGKILL');
      }
      // The admission floor: the bare three-hop reference behind the simplest admission control (a fixed cap on
      // requests in flight, refusals answered by the request listener), under the same storms. What its admitted
      // orders and refusals do is what the architecture allows on this machine, before any framework cost.
      const bareCapped = await startBareThreeHop(dbUrl(database), { MAX_IN_FLIGHT: String(BARE_CAP) });
      const bareFloor = {};
      try {
        const bareEnv = { ...stormEnv, PROBE_URLS: `${bareCapped.url}/health/live` };
        wrk(bareCapped.url, 32, { ...orderEnv, BENCH_MODE: 'spread' }, Math.ceil(WARMUP / 3));
        await settle(order.url);
        say(`bare three-hop (fixed cap ${BARE_CAP}) unloaded and under the same storms…`);
        bareFloor.unloaded = storm(`${bareCapped.url}/orders`, { ...bareEnv, CONNECTIONS: '1' });
        for (const connections of [256, 512]) {
          await settle(order.url);
          bareFloor[connections] = storm(`${bareCapped.url}/orders`, {
            ...bareEnv,
            CONNECTIONS: String(connections),
          });
        }
      } finally {
        bareCapped.stop();
      }
      for (const connections of [256, 512]) {
        const floor = bareFloor[connections];
        rows.push({
          figure: `bare three-hop, fixed cap ${BARE_CAP}, storm @${connections}`,
          value: `admitted ${fmt(floor.ok.count / DURATION)} orders/s, p99 ${fmt(floor.ok.p99, 1)} ms (from 2 s on ${fmt(floor.settled.ok.p99, 1)} ms); refused p99 ${fmt(floor.shed.p99, 1)} ms; /health/live p99 ${fmt(floor.probes[0]?.p99, 1)} ms`,
          reference: `its unloaded p99 ${fmt(bareFloor.unloaded.ok.p99, 1)} ms: 4 × = ${fmt(4 * bareFloor.unloaded.ok.p99, 1)} ms`,
          ratio: floor.ok.p99 / (4 * bareFloor.unloaded.ok.p99),
          overload: { connections, kind: 'bare-admitted' },
        });
      }
      for (const connections of [256, 512]) {
        await settle(order.url);
        say(`POST /orders storm, ${connections} connections opening at once…`);
        const result = storm(`${order.url}/orders`, { ...stormEnv, CONNECTIONS: String(connections) });
        const floor = floors[connections];
        const total = Object.values(result.statuses).reduce((sum, count) => sum + count, 0);
        rows.push({
          figure: `POST /orders storm @${connections}: admitted`,
          value: `${fmt(result.ok.count / DURATION)} orders/s, p50 ${fmt(result.ok.p50, 1)} ms, p99 ${fmt(result.ok.p99, 1)} ms; sent from 2 s on: p50 ${fmt(result.settled.ok.p50, 1)} ms, p99 ${fmt(result.settled.ok.p99, 1)} ms`,
          reference: `4 × unloaded p99 = ${fmt(4 * unloaded.ok.p99, 1)} ms; bare three-hop (cap ${BARE_CAP}) under the same storm: p99 ${fmt(bareFloor[connections].ok.p99, 1)} ms, from 2 s on ${fmt(bareFloor[connections].settled.ok.p99, 1)} ms (${fmt(bareFloor[connections].settled.ok.p99 / (4 * bareFloor.unloaded.ok.p99), 2)} × its 4 × unloaded)`,
          ratio: result.ok.p99 / (4 * unloaded.ok.p99),
          overload: { connections, kind: 'admitted' },
        });
        rows.push({
          figure: `POST /orders storm @${connections}: refused (503 OVERLOADED)`,
          value: `${fmt((100 * result.shed.count) / Math.max(1, total))} % of ${total}, p50 ${fmt(result.shed.p50, 1)} ms, p99 ${fmt(result.shed.p99, 1)} ms (from 2 s on: p99 ${fmt(result.settled.shed.p99, 1)} ms); statuses ${JSON.stringify(result.statuses)}, ${result.errors} errors`,
          reference: `target p99 < 50 ms; bare node:http refusing everything: ${fmt(floor.shed.count / DURATION)}/s, p50 ${fmt(floor.shed.p50, 1)} ms, p99 ${fmt(floor.shed.p99, 1)} ms`,
          ratio: result.shed.count ? result.shed.p99 / 50 : NaN,
          overload: { connections, kind: 'refused' },
        });
        for (const [where, probe] of [
          ['management port', result.probes[0]],
          ['service port', result.probes[1]],
        ]) {
          rows.push({
            figure: `/health/live on the ${where} during the storm @${connections}`,
            value: `p50 ${fmt(probe.p50, 1)} ms, p99 ${fmt(probe.p99, 1)} ms, slowest ${fmt(probe.max, 1)} ms (${probe.count} probes, ${probe.failures} failed)`,
            reference: `target p99 < 200 ms; bare node:http under the same storm: p99 ${fmt(floor.probes[0]?.p99, 1)} ms`,
            ratio: probe.p99 / 200,
            overload: { connections, kind: where === 'management port' ? 'probe' : 'probe-main' },
          });
        }
      }
    }

    const audit = (await settle(order.url)) ?? { ok: false };
    // Let the sampler take one more look, then read the peaks of the whole run.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const peaks = sampler.peaks();
    const memory = services.map((service) => ({ service: service.dir, ...peaks[service.dir] }));

    // Targets (issue 23, and issue 18's storm targets), checked on this run's own figures.
    const at = (mode, connections) =>
      rows.find((row) => row.mode === mode && row.connections === connections);
    const overloadRow = (connections, kind) =>
      rows.find((row) => row.overload?.connections === connections && row.overload.kind === kind);
    const ordersAt64 = (mode) => {
      const row = at(mode, 64);
      return row ? { services: row.result.okRps, bare: row.bare.okRps } : undefined;
    };
    const menusRow = rows.find((row) => row.figure.startsWith('GET /menus (cached)'));
    const hostile = rows.filter((row) => row.worst !== undefined).map((row) => row.worst);
    const verdicts23 = evaluateTargets({
      orders: measures('orders') ? { spread: ordersAt64('spread'), hot: ordersAt64('hot') } : undefined,
      openModel: openModelFigures ?? undefined,
      menus: menusRow ? { services: menusRow.services, bareNode: menusRow.bareNode } : undefined,
      memory: memory.map((entry) => ({ service: entry.service, privateMb: entry.rssAnon })),
      hostile,
      audit,
    });
    const checks = [
      ...verdicts23.map((verdict) => [`${verdict.name}: ${verdict.measured}`, verdict.ok]),
      ...(measures('overload') ? [256, 512] : []).flatMap((connections) => [
        [
          `admitted orders keep p99 ≤ 4 × unloaded p99 at ${connections} connections`,
          (overloadRow(connections, 'admitted')?.ratio ?? Infinity) <= 1,
        ],
        [
          `refusals answered with p99 < 50 ms at ${connections} connections`,
          (overloadRow(connections, 'refused')?.ratio ?? Infinity) < 1,
        ],
        [
          `/health/live p99 < 200 ms during a ${connections}-connection storm`,
          (overloadRow(connections, 'probe')?.ratio ?? Infinity) < 1,
        ],
      ]),
    ];

    const table = [
      '| figure | measured | reference | ratio |',
      '| --- | --- | --- | --- |',
      ...rows.map((row) => `| ${row.figure} | ${row.value} | ${row.reference} | ${fmt(row.ratio, 2)} |`),
      ...memory.map(
        (entry) =>
          `| peak private memory ${entry.service}-service | RssAnon ${fmt(entry.rssAnon)} MB; PSS ${fmt(entry.pss)} MB; RSS ${fmt(entry.peakRss)} MB (VmHWM; RssFile ${fmt(entry.rssFile)} MB) | target ≤ ${TARGETS.privateMemoryMb} MB private | ${fmt(entry.rssAnon / TARGETS.privateMemoryMb, 2)} |`,
      ),
    ].join('\n');
    const verdicts = checks.map(([name, ok]) => `- ${ok ? '✅' : '❌'} ${name}`).join('\n');
    const when = new Date().toISOString();
    process.stdout.write(`\n${table}\n\n${verdicts}\n\n`);

    if (process.env.BENCH_WRITE !== '0' && ONLY === null) {
      const file = join(root, 'BENCHMARKS.md');
      const section = `<!-- bench:start -->\n_Last run ${when} on ${machine()}, ${DURATION} s per figure._\n\n${table}\n\nTargets:\n\n${verdicts}\n<!-- bench:end -->`;
      const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const next = current.includes('<!-- bench:start -->')
        ? current.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, section)
        : `# Benchmarks\n\nRun with \`npm run bench\`.\n\n${section}\n`;
      writeFileSync(file, next);
      // Aligned the way the repository's format check expects, so a fresh run can be committed as it is.
      const prettier = join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
      if (existsSync(prettier)) spawnSync(process.execPath, [prettier, '--write', file], { stdio: 'ignore' });
      say('results written to BENCHMARKS.md');
    }
  } catch (error) {
    for (const service of services) {
      const state =
        service.child.exitCode !== null
          ? `exited ${service.child.exitCode}`
          : (service.child.signalCode ?? 'running');
      process.stderr.write(`[bench] ${service.dir}-service: ${state}\n${service.stderr()}\n`);
    }
    throw error;
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  process.stderr.write(`[bench] failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
