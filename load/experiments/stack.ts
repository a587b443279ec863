/**
 * `--start-stack`: a private system for one run, like the tests build: its own database and Redis key prefix on
 * the real servers, every service as a real process from its sources, a TCP proxy in front of Redis (so an
 * outage can be simulated without touching the shared Redis), replicas and the real NGINX gateway when the
 * experiment needs them. Everything is removed again by `teardown()`.
 */
import {
  createTestDatabase,
  createTestRedisNamespace,
  freePort,
  stackSecrets,
  startServiceProcess,
  TcpProxy,
  viaProxy,
  waitFor,
  type ServiceProcess,
} from '@food-delivery/testing';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderGateway } from '../../gateway/render.mjs';
import { signalProcessGroup } from '../../scripts/process-group.mjs';
import type { ProcessName, ServiceName, StackSpec } from './model';
import type { Target } from './target';

export interface Stack {
  target: Target;
  processes: ProcessName[];
  isRunning(name: ProcessName): boolean;
  kill(name: ProcessName): Promise<void>;
  stop(name: ProcessName): Promise<void>;
  /** Starts a stopped or killed process again on the same port (no-op when it runs). */
  start(name: ProcessName): Promise<void>;
  /** Everything each process printed, over all its restarts. */
  logs(): Record<string, string>;
  /** SIGKILLs every process at once, synchronously (leaving for good; the database stays behind). */
  killNow(): void;
  describe(): string;
  teardown(): Promise<void>;
}

export interface StackOptions {
  /** Service log level (default warn: per-request info lines cost CPU the load needs). */
  logLevel?: string;
  log?: (line: string) => void;
}

/** Settings that let the saga worker and the recovery loop settle orders within seconds instead of minutes. */
export const FAST_SAGA_ENV: Record<string, string> = {
  SAGA_WORKER_INTERVAL_MS: '200',
  SAGA_RETRY_BASE_MS: '100',
  SAGA_RETRY_MAX_MS: '1000',
  RECOVERY_INTERVAL_MS: '1000',
  RECOVERY_PENDING_AFTER_MS: '30000',
};

interface Managed {
  running(): boolean;
  killNow?(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
  output(): string;
}

/** One service replica that can be killed and started again on its port. */
function serviceReplica(dir: ServiceName, env: Record<string, string>): Managed & { url: string } {
  let current: ServiceProcess | null = null;
  let history = '';
  const alive = () => !!current && current.child.exitCode === null && current.child.signalCode === null;
  return {
    url: `http://127.0.0.1:${env.PORT}`,
    running: alive,
    async start() {
      if (alive()) return;
      if (current) history += current.output();
      current = await startServiceProcess(dir, env, { readyTimeoutMs: 90_000 });
    },
    async stop() {
      if (!current) return;
      // A graceful stop that hangs (a stuck connection) must not hang the experiment.
      const stopping = current.stop();
      const timer = setTimeout(() => void current?.kill(), 10_000);
      await stopping;
      clearTimeout(timer);
    },
    async kill() {
      await current?.kill();
    },
    killNow: () => {
      if (alive()) current?.child.kill('SIGKILL');
    },
    output: () => history + (current?.output() ?? ''),
  };
}

/** The real nginx with the repo's gateway template rendered for this stack's ports. */
function gatewayProcess(
  port: number,
  internalPort: number,
  upstreams: Record<ServiceName, string[]>,
): Managed & { url: string; internalUrl: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fd-exp-gateway-'));
  chmodSync(dir, 0o755); // nginx workers run unprivileged when the master runs as root
  const config = renderGateway({
    GATEWAY_PORT: String(port),
    GATEWAY_RUNTIME_DIR: dir,
    GATEWAY_ACCESS_LOG: join(dir, 'access.log'),
    GATEWAY_ERROR_LOG: join(dir, 'error.log'),
    USER_UPSTREAMS: upstreams.user.join(','),
    RESTAURANT_UPSTREAMS: upstreams.restaurant.join(','),
    ORDER_UPSTREAMS: upstreams.order.join(','),
    GATEWAY_INTERNAL_LISTEN: `127.0.0.1:${internalPort}`,
    // One machine is the only client: per-address limits would throttle the experiment itself.
    GATEWAY_LOGIN_RATE: '1000r/s',
    GATEWAY_ORDER_RATE: '10000r/s',
  });
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, config);
  const nginx = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  execFileSync(nginx, ['-t', '-q', '-c', configPath, '-p', dir, '-g', 'daemon off;']);
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const url = `http://127.0.0.1:${port}`;
  const alive = () => !!child && child.exitCode === null && child.signalCode === null;
  // nginx runs in a process group of its own and is signalled as a group: a SIGKILLed master leaves its workers
  // behind, still holding the port (the next master could not bind, and the old workers answered in its place).
  const signalGroup = (signal: NodeJS.Signals) => signalProcessGroup(child?.pid, signal);
  const stopWith = async (signal: NodeJS.Signals) => {
    if (alive()) signalGroup(signal);
    await exited;
    signalGroup('SIGKILL'); // workers a graceful stop left behind, if any
  };
  return {
    url,
    internalUrl: `http://127.0.0.1:${internalPort}`,
    dir,
    running: alive,
    async start() {
      if (alive()) return;
      signalGroup('SIGKILL'); // what the last master left behind
      const started = spawn(nginx, ['-c', configPath, '-p', dir, '-g', 'daemon off;'], {
        stdio: 'ignore',
        detached: true,
      });
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      await waitFor('nginx to listen', async () => (await fetch(`${url}/health`)).ok, { timeoutMs: 10_000 });
    },
    stop: () => stopWith('SIGQUIT'),
    kill: () => stopWith('SIGKILL'),
    killNow: () => signalGroup('SIGKILL'),
    output: () => {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    },
  };
}

export async function startStack(spec: StackSpec = {}, options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => undefined);
  const db = await createTestDatabase('exp');
  const redis = createTestRedisNamespace('exp');
  const redisUrl = new URL(redis.url);
  const redisProxy = await new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379)).start();
  const managed = new Map<ProcessName, Managed>();
  const adminKey = `exp-admin-${randomBytes(12).toString('hex')}`;
  let gatewayDir: string | null = null;

  const teardown = async () => {
    await Promise.allSettled([...managed.values()].map((process) => process.stop()));
    await redisProxy.stop();
    await db.drop().catch((error: Error) => log(`could not drop ${db.name}: ${error.message}`));
    await redis.cleanup().catch((error: Error) => log(`could not clean Redis keys: ${error.message}`));
    if (gatewayDir) rmSync(gatewayDir, { recursive: true, force: true });
  };

  try {
    const base: Record<string, string> = {
      ...stackSecrets(),
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '10',
      DATABASE_ACQUIRE_TIMEOUT_MS: '10000',
      REDIS_URL: viaProxy(redis.url, redisProxy),
      REDIS_KEY_PREFIX: redis.prefix,
      LOG_LEVEL: options.logLevel ?? 'warn',
    };
    const restaurantCount = spec.restaurantReplicas ?? 1;
    const orderCount = spec.orderReplicas ?? 1;
    const ports = {
      user: await freePort(),
      restaurant: await Promise.all(Array.from({ length: restaurantCount }, () => freePort())),
      order: await Promise.all(Array.from({ length: orderCount }, () => freePort())),
      gateway: spec.gateway ? await freePort() : 0,
      gatewayInternal: spec.gateway ? await freePort() : 0,
    };
    const local = (port: number) => `127.0.0.1:${port}`;
    const userUrl = `http://${local(ports.user)}`;
    const gatewayUrl = spec.gateway ? `http://${local(ports.gateway)}` : null;
    // The order service reaches the restaurant replicas through the gateway's internal (service-to-service)
    // listener: the public one routes no reservation endpoint.
    const gatewayInternalUrl = spec.gateway ? `http://${local(ports.gatewayInternal)}` : null;
    const jwks = `${userUrl}/.well-known/jwks.json`;

    if (spec.gateway) {
      const gateway = gatewayProcess(ports.gateway, ports.gatewayInternal, {
        user: [local(ports.user)],
        restaurant: ports.restaurant.map(local),
        order: ports.order.map(local),
      });
      gatewayDir = gateway.dir;
      managed.set('gateway', gateway);
    }
    const user = serviceReplica('user', {
      ...base,
      PORT: String(ports.user),
      INSTANCE_ID: 'user-1',
      ...spec.env?.user,
    });
    managed.set('user-1', user);
    const restaurants = ports.restaurant.map((port, index) => {
      const replica = serviceReplica('restaurant', {
        ...base,
        PORT: String(port),
        INSTANCE_ID: `restaurant-${index + 1}`,
        JWKS_URL: jwks,
        ADMIN_API_KEY: adminKey,
        // Long inventory delays become clean 503s instead of piling up on the pool.
        INVENTORY_LOCK_TIMEOUT_MS: '5000',
        ...spec.env?.restaurant,
      });
      managed.set(`restaurant-${index + 1}` as ProcessName, replica);
      return replica;
    });
    const orders = ports.order.map((port, index) => {
      const replica = serviceReplica('order', {
        ...base,
        PORT: String(port),
        INSTANCE_ID: `order-${index + 1}`,
        JWKS_URL: jwks,
        USER_SERVICE_URL: userUrl,
        RESTAURANT_SERVICE_URL:
          spec.orderViaGateway && gatewayInternalUrl ? gatewayInternalUrl : restaurants[0].url,
        ...FAST_SAGA_ENV,
        ...spec.env?.order,
      });
      managed.set(`order-${index + 1}` as ProcessName, replica);
      return replica;
    });

    log(`starting ${[...managed.keys()].join(', ')} on database ${db.name}`);
    // Every port is known up front, so all processes boot at once (each tolerates the others being late).
    await Promise.all([...managed.values()].map((process) => process.start()));
    let redisUp = true;
    managed.set('redis', {
      running: () => redisUp,
      start: async () => {
        if (redisUp) return;
        await redisProxy.start(); // same port: the services' clients reconnect by themselves
        redisUp = true;
      },
      stop: async () => {
        redisUp = false;
        await redisProxy.stop();
      },
      kill: async () => {
        redisUp = false;
        await redisProxy.stop();
      },
      output: () => '',
    });

    const target: Target = {
      mode: gatewayUrl ? 'gateway' : 'direct',
      baseUrl: gatewayUrl ?? orders[0].url,
      services: { user: user.url, restaurant: restaurants[0].url, order: orders[0].url },
      adminKey,
    };
    const get = (name: ProcessName) => {
      const process = managed.get(name);
      if (!process) throw new Error(`this stack has no ${name} (it has ${[...managed.keys()].join(', ')})`);
      return process;
    };
    return {
      target,
      processes: [...managed.keys()],
      isRunning: (name) => get(name).running(),
      kill: (name) => get(name).kill(),
      stop: (name) => get(name).stop(),
      start: (name) => get(name).start(),
      logs: () => Object.fromEntries([...managed].map(([name, process]) => [name, process.output()])),
      killNow: () => {
        for (const process of managed.values()) process.killNow?.();
      },
      describe: () =>
        `own stack: ${[...managed.keys()].join(', ')} · database ${db.name} · Redis prefix ${redis.prefix} via proxy :${redisProxy.port}` +
        (gatewayUrl ? ` · gateway ${gatewayUrl}` : ''),
      teardown,
    };
  } catch (error) {
    for (const [name, process] of managed) {
      const output = process.output();
      if (output) log(`--- ${name} ---\n${output.slice(-2000)}`);
    }
    await teardown();
    throw error;
  }
}
