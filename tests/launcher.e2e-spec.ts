import {
  createTestRedisNamespace,
  reapWithTestProcess,
  request,
  TEST_DATABASE_URL,
  waitFor,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';

const root = join(__dirname, '..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A free port whose + 10 is free too (a second replica's port). */
async function freeReplicaPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const probe = createServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(port + 10, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => probe.close(resolve));
      return port;
    }
  }
}

/** True while `pid` runs (a zombie waiting to be reaped is not running). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** The port's listening sockets as `ss` shows them (address:port). */
const listeners = (port: number): string[] =>
  execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/)[3]);

/** The pids of `pid`'s children (nginx's workers). */
const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

interface LauncherInstance {
  service: string;
  instance: string;
  port: number;
  pid: number | null;
  state: string;
  restarts: number;
  started_at: string;
  last_exit: { at: string; signal: string | null; code: number | null } | null;
  restart_delay_ms: number | null;
}

/** Runs `npm start`'s script as a user would, collecting its console output. */
function launch(
  env: Record<string, string>,
  args: string[] = [],
): {
  child: ChildProcess;
  output: () => string;
  /** Ctrl-C as a terminal sends it: SIGINT to the launcher's whole process group, its services included. */
  ctrlC: () => void;
  exited: Promise<number | null>;
  /** For cleanup after a failure: Ctrl-C, then SIGKILL for the launcher and every pid in `started`. */
  stop: () => Promise<void>;
  started: Set<number>;
} {
  let output = '';
  // A process group of its own, like a job in a terminal.
  // If this file is stopped (its timeout), the launcher gets a Ctrl-C and takes its services down with it.
  const child = reapWithTestProcess(
    spawn(process.execPath, ['scripts/start.mjs', ...args], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    }),
    { signal: 'SIGINT', group: true },
  );
  const ctrlC = () => {
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // the group is gone already
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = new Set<number>();
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      ctrlC();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // A launcher that died abruptly leaves its children behind.
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  };
  return { child, output: () => output, ctrlC, exited, stop, started };
}

async function dropDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
}

const login = (port: number, username = 'user', password = 'pass') =>
  request<{ access_token: string }>(`http://127.0.0.1:${port}/login`, { body: { username, password } });

describe('npm start (scripts/start.mjs)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  /** A database URL (created by the launcher), a data folder and a Redis namespace of a test's own, removed after. */
  const ownResources = (label: string) => {
    const database = `fdtest_launcher_${label}_${process.pid}`;
    cleanups.push(() => dropDatabase(database));
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'fd-launcher-'));
    cleanups.push(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
    const redis = createTestRedisNamespace(`launcher-${label}`);
    cleanups.push(() => redis.cleanup());
    return { databaseUrl: url.toString(), dataDir, redis };
  };

  it('creates the database, serves the user service with /docs, runs without Redis or nginx, and stops on Ctrl-C', async () => {
    const port = await freePort();
    const deadRedisPort = await freePort();
    const gatewayPort = await freePort();
    const { databaseUrl, dataDir } = ownResources('plain');
    const run = launch({
      DATABASE_URL: databaseUrl,
      FD_DATA_DIR: dataDir,
      GATEWAY_PORT: String(gatewayPort),
      NGINX: join(dataDir, 'no-such', 'nginx'),
      LAUNCHER_PORT: 'off',
      CONSOLE_PORT: 'off',
      REDIS_URL: `redis://127.0.0.1:${deadRedisPort}`,
      USER_SERVICE_PORT: String(port),
      RESTAURANT_SERVICE_PORT: String(await freePort()),
      ORDER_SERVICE_PORT: String(await freePort()),
    });
    cleanups.push(() => run.stop());

    await waitFor('the launcher to report ready', () => run.output().includes('[start] ready'), {
      timeoutMs: 120_000,
      intervalMs: 200,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${run.output()}`);
    });
    expect(run.output()).toContain('running with caching off');
    // Without nginx: one line saying how to get it, and everything else runs.
    expect(run.output()).toContain(
      `[start] no nginx at ${join(dataDir, 'no-such', 'nginx')}: running without the gateway (` +
        `${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y --no-install-recommends nginx, then npm start again, for the gateway on :${gatewayPort})`,
    );
    expect(run.output()).not.toContain(`gateway                http://localhost:${gatewayPort}`);
    expect(run.output()).toContain(`Try: curl -X POST http://localhost:${port}/login`);
    expect(run.output()).toContain(`http://localhost:${port}/docs`);
    expect((await login(port)).status).toBe(200);
    expect((await request(`http://127.0.0.1:${port}/docs`)).status).toBe(200);
    const ready = await request(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.details.redis).toMatchObject({ mode: 'off' });
    // The secrets are generated once, private to the user, and reused on the next start.
    const secrets = join(dataDir, 'secrets.env');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(readFileSync(secrets, 'utf8')).toMatch(/^CHAOS_API_KEY=[A-Za-z0-9_-]{32}$/m);

    run.ctrlC();
    expect(await run.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  });

  it('starts an embedded PostgreSQL when none answers, and Ctrl-C stops it after the services, leaving no process', async () => {
    const pgPort = await freePort();
    const port = await freePort();
    const launcherPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'fd-embedded-'));
    cleanups.push(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
    const redis = createTestRedisNamespace('launcher');
    cleanups.push(() => redis.cleanup());
    const run = launch({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/food_delivery`,
      FD_DATA_DIR: dataDir,
      GATEWAY_PORT: 'off',
      LAUNCHER_PORT: String(launcherPort),
      CONSOLE_PORT: 'off',
      REDIS_KEY_PREFIX: redis.prefix,
      USER_SERVICE_PORT: String(port),
      RESTAURANT_SERVICE_PORT: String(await freePort()),
      ORDER_SERVICE_PORT: String(await freePort()),
    });
    cleanups.push(() => run.stop());

    await waitFor('the launcher to report ready', () => run.output().includes('[start] ready'), {
      timeoutMs: 120_000,
      intervalMs: 200,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${run.output()}`);
    });
    expect(run.output()).toContain('starting an embedded PostgreSQL');
    expect((await login(port)).status).toBe(200);
    // The local operator is seeded (operator / operator, local mode only) and its token carries the operator's scopes.
    const operator = await login(port, 'operator', 'operator');
    expect(operator.status).toBe(200);
    const scopes = JSON.parse(
      Buffer.from(operator.body.access_token.split('.')[1], 'base64url').toString('utf8'),
    ) as { scope: string };
    expect(scopes.scope.split(' ')).toEqual(expect.arrayContaining(['chaos:write', 'inventory:write']));
    // No constant password: the cluster takes the one generated for this installation, not `postgres`.
    const generated = /^EMBEDDED_POSTGRES_PASSWORD=(.+)$/m.exec(
      readFileSync(join(dataDir, 'secrets.env'), 'utf8'),
    )?.[1];
    expect(generated).toMatch(/^[\w-]{32}$/);
    const withConstant = new Client({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`,
      connectionTimeoutMillis: 2000,
    });
    await expect(withConstant.connect()).rejects.toThrow(/password authentication failed/);
    const withGenerated = new Client({
      host: '127.0.0.1',
      port: pgPort,
      user: 'postgres',
      password: generated,
      database: 'postgres',
    });
    await withGenerated.connect();
    // As a cluster initialised by an earlier version left it: the constant password, no marker of the change.
    await withGenerated.query(`ALTER ROLE postgres PASSWORD 'postgres'`);
    await withGenerated.end();
    const postgresDataDir = /data in (\S+)\)/.exec(run.output())![1];
    rmSync(join(postgresDataDir, 'food-delivery-password'));
    const services = (
      (await request(`http://127.0.0.1:${launcherPort}/status`)).body.instances as LauncherInstance[]
    ).map((entry) => entry.pid!);
    for (const pid of services) run.started.add(pid);
    // The postmaster, from its pid file, and the processes it forked.
    const postgresDir = /data in (\S+)\)/.exec(run.output())![1];
    const postmaster = Number(readFileSync(join(postgresDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const postgres = [postmaster, ...childrenOf(postmaster)];
    for (const pid of postgres) run.started.add(pid);
    expect(services.length).toBe(3);
    expect(postgres.length).toBeGreaterThan(1);

    // A terminal's Ctrl-C reaches every process of the group. The launcher's shutdown runs to its end (exit 0):
    // embedded-postgres's own handler would exit 130 as soon as PostgreSQL was down, services still stopping.
    run.ctrlC();
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('embedded PostgreSQL stopped');
    expect([...services, ...postgres].filter(alive)).toEqual([]);
    const probe = new Client({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`,
      connectionTimeoutMillis: 1000,
    });
    await expect(probe.connect()).rejects.toThrow();

    // Started again on that cluster, the launcher replaces the constant password with the generated one.
    const again = launch({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/food_delivery`,
      FD_DATA_DIR: dataDir,
      GATEWAY_PORT: 'off',
      LAUNCHER_PORT: String(await freePort()),
      CONSOLE_PORT: 'off',
      REDIS_KEY_PREFIX: redis.prefix,
      USER_SERVICE_PORT: String(await freePort()),
      RESTAURANT_SERVICE_PORT: String(await freePort()),
      ORDER_SERVICE_PORT: String(await freePort()),
    });
    cleanups.push(() => again.stop());
    await waitFor('the password change', () => again.output().includes('replaced by this installation'), {
      timeoutMs: 60_000,
      intervalMs: 200,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${again.output()}`);
    });
    const constantAgain = new Client({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`,
      connectionTimeoutMillis: 2000,
    });
    await expect(constantAgain.connect()).rejects.toThrow(/password authentication failed/);
    // The services reach the cluster with the new password.
    await waitFor('the launcher to report ready again', () => again.output().includes('[start] ready'), {
      timeoutMs: 120_000,
      intervalMs: 200,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${again.output()}`);
    });
    again.ctrlC();
    expect(await again.exited).toBe(0);
  });

  it('supervises: the gateway serves the flow over two order replicas, a killed service is back with backoff, Ctrl-C leaves nothing', async () => {
    const ports = {
      user: await freePort(),
      restaurant: await freePort(),
      order: await freeReplicaPort(),
      gateway: await freePort(),
      gatewayInternal: await freePort(),
      launcher: await freePort(),
    };
    const { databaseUrl, dataDir, redis } = ownResources('sup');
    const chaosKey = `launcher-chaos-${process.pid}`;
    const run = launch(
      {
        DATABASE_URL: databaseUrl,
        FD_DATA_DIR: dataDir,
        REDIS_KEY_PREFIX: redis.prefix,
        CHAOS_API_KEY: chaosKey,
        LOG_LEVEL: 'warn',
        USER_SERVICE_PORT: String(ports.user),
        RESTAURANT_SERVICE_PORT: String(ports.restaurant),
        ORDER_SERVICE_PORT: String(ports.order),
        GATEWAY_PORT: String(ports.gateway),
        GATEWAY_INTERNAL_LISTEN: `127.0.0.1:${ports.gatewayInternal}`,
        LAUNCHER_PORT: String(ports.launcher),
        CONSOLE_PORT: 'off',
      },
      ['--replicas', 'order=2'],
    );
    cleanups.push(() => run.stop());
    await waitFor('the launcher to report ready', () => run.output().includes('[start] ready'), {
      timeoutMs: 150_000,
      intervalMs: 200,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${run.output()}`);
    });
    const gateway = `http://127.0.0.1:${ports.gateway}`;
    const orderPorts = [ports.order, ports.order + 10];
    expect(run.output()).toContain(`http://localhost:${ports.gateway}`);
    expect(run.output()).toContain(`order-service-2        http://localhost:${ports.order + 10}`);
    // On loopback, like the services.
    expect(listeners(ports.gateway)).toEqual([`127.0.0.1:${ports.gateway}`]);

    const status = async (): Promise<LauncherInstance[]> => {
      const instances = (await request(`http://127.0.0.1:${ports.launcher}/status`)).body
        .instances as LauncherInstance[];
      for (const entry of instances) if (entry.pid) run.started.add(entry.pid);
      return instances;
    };
    await status(); // records the pids, for the cleanup
    const instance = async (name: string): Promise<LauncherInstance> => {
      const found = (await status()).find((candidate) => candidate.instance === name);
      if (!found) throw new Error(`no ${name} in the launcher's status`);
      return found;
    };

    // The spec's flow through the gateway, on public routes only.
    const token = (await request(`${gateway}/login`, { body: { username: 'user', password: 'pass' } })).body
      .access_token as string;
    expect(token).toBeTruthy();
    const menus = await request(`${gateway}/menus`);
    expect(menus.status).toBe(200);
    const menu = (menus.body as { id: number; inventory: number }[]).find((item) => item.inventory > 0);
    const placed = await request(`${gateway}/orders`, {
      token,
      body: { items: [{ menu_id: menu!.id, quantity: 1 }], address: 'Seoul', phone: '010-1234-5678' },
    });
    expect(placed.status).toBeLessThan(300);
    const orderId = placed.body.id as number;
    for (let read = 0; read < 6; read++) {
      const order = await request(`${gateway}/orders/${orderId}`, { token });
      expect(order.status).toBe(200);
      expect(order.body.id).toBe(orderId);
    }
    expect((await request(`${gateway}/health`)).status).toBe(200);
    // Both replicas answered the gateway (its access log names the upstream of every request).
    const upstreams = new Set(
      readFileSync(join(dataDir, 'gateway', 'access.log'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { uri: string; upstream: string })
        .filter((entry) => entry.uri.startsWith('/orders/'))
        .map((entry) => Number(entry.upstream.split(':').pop())),
    );
    expect([...upstreams].sort()).toEqual(orderPorts);

    // Each replica has its own INSTANCE_ID; a fault aimed at one hits only that one.
    const replicaIds = await Promise.all(
      orderPorts.map(async (port) => (await request(`http://127.0.0.1:${port}/chaos`)).body.instance),
    );
    expect(replicaIds).toEqual(['order-service-1', 'order-service-2']);
    const fault = await request(`http://127.0.0.1:${ports.order}/chaos/error`, {
      headers: { 'x-chaos-key': chaosKey },
      body: { enable: true, percent: 100, instance: 'order-service-1' },
    });
    expect(fault.status).toBe(200);
    const readOn = (port: number) => request(`http://127.0.0.1:${port}/orders/${orderId}`, { token });
    await waitFor(
      'the fault to reach order-service-1',
      async () => (await readOn(ports.order)).status >= 500,
    );
    expect((await readOn(ports.order + 10)).status).toBe(200);
    const cleared = await request(`http://127.0.0.1:${ports.order}/chaos/error`, {
      headers: { 'x-chaos-key': chaosKey },
      body: { enable: false },
    });
    expect(cleared.status).toBe(200);

    // SIGKILL each service (and the gateway) in turn: back within 10 s, the others answering throughout.
    const readyUrls: Record<string, string> = {
      'user-service-1': `http://127.0.0.1:${ports.user}/health/ready`,
      'restaurant-service-1': `http://127.0.0.1:${ports.restaurant}/health/ready`,
      'order-service-1': `http://127.0.0.1:${ports.order}/health/ready`,
      'order-service-2': `http://127.0.0.1:${ports.order + 10}/health/ready`,
      'gateway-1': `${gateway}/health`,
    };
    /**
     * SIGKILLs `name` and waits until it answers again, checking the others all along. Returns the wait the
     * supervisor chose, the time from the exit to the new process (at least that wait, and less than the next
     * doubling: a contended machine can be late by a second or two), and the whole comeback, held to the issue's
     * 10 s for a first restart (1 s of backoff and a boot: ~3 s on an idle 2-core machine).
     */
    type Comeback = { delayMs: number | null; gapMs: number; backMs: number };
    const killAndWait = async (name: string): Promise<Comeback> => {
      const before = await instance(name);
      const killedAt = Date.now();
      process.kill(before.pid!, 'SIGKILL');
      const others = Object.entries(readyUrls).filter(([other]) => other !== name);
      let back = false;
      const watching = (async () => {
        while (!back) {
          for (const [other, url] of others) {
            const live = await request(url.replace('/health/ready', '/health/live'));
            if (live.status !== 200)
              throw new Error(`${other} answered ${live.status} while ${name} was down`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      // Its new process answering: the old one may still answer for a moment (a SIGKILLed nginx master's workers
      // until the supervisor reaps them).
      await waitFor(
        `${name} to answer again`,
        async () =>
          (await instance(name)).restarts > before.restarts &&
          (await request(readyUrls[name])).status === 200,
        { timeoutMs: 45_000, intervalMs: 100 },
      ).finally(() => (back = true));
      await watching;
      const backMs = Date.now() - killedAt;
      const after = await instance(name);
      if (after.pid) run.started.add(after.pid);
      expect(after.restarts).toBe(before.restarts + 1);
      expect(after.pid).not.toBe(before.pid);
      expect(after.last_exit?.signal).toBe('SIGKILL');
      return {
        delayMs: after.restart_delay_ms,
        gapMs: Date.parse(after.started_at) - Date.parse(after.last_exit!.at),
        backMs,
      };
    };
    const measured: Record<string, Comeback> = {};
    // A SIGKILLed nginx master leaves its workers behind, holding the port: the supervisor kills them.
    const oldWorkers = childrenOf((await instance('gateway-1')).pid!);
    expect(oldWorkers.length).toBeGreaterThan(0);
    for (const name of ['user-service-1', 'restaurant-service-1', 'order-service-1', 'gateway-1']) {
      measured[name] = await killAndWait(name);
    }
    // The second and third kill of order-service-1 wait 2 s, then 4 s before starting it again.
    const second = await killAndWait('order-service-1');
    const third = await killAndWait('order-service-1');
    process.stdout.write(`# restarts: ${JSON.stringify({ ...measured, second, third })}\n`);
    // The first restart of each waits 1 s; each is back (ready) within 10 s of its kill.
    const outOfBounds = Object.entries(measured).filter(
      ([, { delayMs, gapMs, backMs }]) =>
        delayMs !== 1_000 || gapMs < 1_000 || gapMs >= 2_000 || backMs >= 10_000,
    );
    expect(outOfBounds).toEqual([]);
    expect(second.delayMs).toBe(2_000);
    expect(second.gapMs).toBeGreaterThanOrEqual(2_000);
    expect(second.gapMs).toBeLessThan(4_000);
    expect(third.delayMs).toBe(4_000);
    expect(third.gapMs).toBeGreaterThanOrEqual(4_000);
    expect(third.gapMs).toBeLessThan(8_000);
    expect(oldWorkers.filter(alive)).toEqual([]);
    expect(run.output()).toContain('gateway-1: killed the processes its exited leader left behind');
    expect(run.output()).toMatch(
      /order-service-1 exited \(signal SIGKILL\) after [\d.]+ m?s; restart 1 in 1\.0 s/,
    );
    expect(run.output()).toContain('order-service-1 exited (signal SIGKILL)');
    expect(run.output()).toMatch(/order-service-1 is crash-looping \(3 exits without a minute of health\)/);
    expect((await request(`${gateway}/menus`)).status).toBe(200);
    const metrics = await request(`http://127.0.0.1:${ports.launcher}/metrics`);
    expect(metrics.text).toContain(
      'launcher_restarts_total{service="order-service",instance="order-service-1"} 3',
    );
    expect(metrics.text).toContain('launcher_restarts_total{service="gateway",instance="gateway-1"} 1');
    expect(metrics.text).toContain(
      'launcher_restarts_total{service="order-service",instance="order-service-2"} 0',
    );

    // Ctrl-C: every process the launcher started is gone, nginx's workers included.
    const pids = (await status()).map((entry) => entry.pid!);
    const nginxMaster = (await instance('gateway-1')).pid!;
    const all = [...pids, ...childrenOf(nginxMaster)];
    expect(all.length).toBeGreaterThan(pids.length);
    run.ctrlC();
    expect(await run.exited).toBe(0);
    expect(all.filter(alive)).toEqual([]);
    expect(run.output()).not.toContain('started again (restart 4');
  });

  it('--traffic runs the traffic generator, supervised, through the gateway, and steerable, also from the console', async () => {
    const ports = {
      user: await freePort(),
      restaurant: await freePort(),
      order: await freePort(),
      gateway: await freePort(),
      launcher: await freePort(),
      traffic: await freePort(),
      console: await freePort(),
    };
    const { databaseUrl, dataDir, redis } = ownResources('traffic');
    const run = launch(
      {
        DATABASE_URL: databaseUrl,
        FD_DATA_DIR: dataDir,
        REDIS_KEY_PREFIX: redis.prefix,
        LOG_LEVEL: 'warn',
        USER_SERVICE_PORT: String(ports.user),
        RESTAURANT_SERVICE_PORT: String(ports.restaurant),
        ORDER_SERVICE_PORT: String(ports.order),
        GATEWAY_PORT: String(ports.gateway),
        GATEWAY_INTERNAL_LISTEN: `127.0.0.1:${await freePort()}`,
        LAUNCHER_PORT: String(ports.launcher),
        TRAFFIC_PORT: String(ports.traffic),
        CONSOLE_PORT: String(ports.console),
      },
      ['--traffic', '6'],
    );
    cleanups.push(() => run.stop());
    await waitFor('the launcher to report ready', () => run.output().includes('[start] ready'), {
      timeoutMs: 150_000,
      intervalMs: 200,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${run.output()}`);
    });
    const traffic = `http://127.0.0.1:${ports.traffic}`;
    expect(run.output()).toContain(`traffic-generator      ${traffic}/state`);
    const instances = (await request(`http://127.0.0.1:${ports.launcher}/status`)).body
      .instances as LauncherInstance[];
    for (const entry of instances) if (entry.pid) run.started.add(entry.pid);
    expect(instances.map((entry) => entry.instance)).toContain('traffic-generator-1');

    // Journeys run at the asked rate, through the gateway's public routes, and succeed.
    const state = await waitFor(
      'journeys at about 6 per second',
      async () => {
        const body = (await request(`${traffic}/state`)).body as {
          running: boolean;
          measured: { started_per_second: number; journeys_per_second: number; failed_per_second: number };
          target: string;
        };
        return (
          body.running &&
          body.measured.started_per_second >= 5.4 &&
          body.measured.journeys_per_second > 0 &&
          body
        );
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(state.target).toBe(`http://127.0.0.1:${ports.gateway}`);
    expect(state.measured.failed_per_second).toBe(0);
    const viaGateway = readFileSync(join(dataDir, 'gateway', 'access.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { uri: string })
      .filter((entry) => entry.uri.startsWith('/api/'));
    expect(viaGateway.length).toBeGreaterThan(10);

    // The console: its URL printed, every instance from the launcher's status, the generator steered through it.
    const consoleUrl = `http://127.0.0.1:${ports.console}`;
    expect(run.output()).toContain(`console                ${consoleUrl}`);
    expect(instances.map((entry) => entry.instance)).toContain('console-1');
    const overview = await waitFor(
      'the console to list the services from the launcher',
      async () => {
        const body = (await request(`${consoleUrl}/api/overview`)).body as {
          launcher: boolean;
          instances: { instance: string; ready: boolean | null; restarts: number | null }[];
        };
        return (
          body.launcher && body.instances.length === 3 && body.instances.every((entry) => entry.ready) && body
        );
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(overview.instances.map((entry) => entry.instance).sort()).toEqual([
      'order-service-1',
      'restaurant-service-1',
      'user-service-1',
    ]);
    expect(overview.instances.every((entry) => entry.restarts === 0)).toBe(true);
    expect((await request(`${consoleUrl}/`)).text).toContain('chaos console');

    const steered = await request(`${consoleUrl}/api/traffic/stop`, { method: 'POST' });
    expect(steered.body).toMatchObject({ running: false });

    run.ctrlC();
    expect(await run.exited).toBe(0);
    expect(instances.map((entry) => entry.pid!).filter(alive)).toEqual([]);
  });
});
