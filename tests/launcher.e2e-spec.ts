import { createTestRedisNamespace, request, TEST_DATABASE_URL, waitFor } from '@food-delivery/testing';
import { expect } from 'expect';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

/** Runs `npm start`'s script as a user would, collecting its console output. */
function launch(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let output = '';
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function dropDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
}

const login = (port: number) =>
  request(`http://127.0.0.1:${port}/login`, { body: { username: 'user', password: 'pass' } });

describe('npm start (scripts/start.mjs)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('creates the database, serves the user service with /docs, runs without Redis, and stops on Ctrl-C', async () => {
    const port = await freePort();
    const deadRedisPort = await freePort();
    const database = `fdtest_launcher_${process.pid}`;
    cleanups.push(() => dropDatabase(database));
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    const run = launch({
      DATABASE_URL: url.toString(),
      REDIS_URL: `redis://127.0.0.1:${deadRedisPort}`,
      USER_SERVICE_PORT: String(port),
      RESTAURANT_SERVICE_PORT: String(await freePort()),
      ORDER_SERVICE_PORT: String(await freePort()),
    });
    cleanups.push(() => Promise.resolve(void run.child.kill('SIGKILL')));

    await waitFor('the launcher to report ready', () => run.output().includes('[start] ready'), {
      timeoutMs: 120_000,
      intervalMs: 200,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${run.output()}`);
    });
    expect(run.output()).toContain('running with caching off');
    expect(run.output()).toContain(`http://localhost:${port}/docs`);
    expect((await login(port)).status).toBe(200);
    expect((await request(`http://127.0.0.1:${port}/docs`)).status).toBe(200);
    const ready = await request(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.details.redis).toMatchObject({ mode: 'off' });

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  });

  it('starts an embedded PostgreSQL when none answers, and stops it on exit', async () => {
    const pgPort = await freePort();
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'fd-embedded-'));
    cleanups.push(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
    const redis = createTestRedisNamespace('launcher');
    cleanups.push(() => redis.cleanup());
    const run = launch({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/food_delivery`,
      FD_DATA_DIR: dataDir,
      REDIS_KEY_PREFIX: redis.prefix,
      USER_SERVICE_PORT: String(port),
      RESTAURANT_SERVICE_PORT: String(await freePort()),
      ORDER_SERVICE_PORT: String(await freePort()),
    });
    cleanups.push(() => Promise.resolve(void run.child.kill('SIGKILL')));

    await waitFor('the launcher to report ready', () => run.output().includes('[start] ready'), {
      timeoutMs: 120_000,
      intervalMs: 200,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${run.output()}`);
    });
    expect(run.output()).toContain('starting an embedded PostgreSQL');
    expect((await login(port)).status).toBe(200);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('embedded PostgreSQL stopped');
    const probe = new Client({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`,
      connectionTimeoutMillis: 1000,
    });
    await expect(probe.connect()).rejects.toThrow();
  });
});
