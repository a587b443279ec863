import { expect } from 'expect';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  createTestStack,
  freePort,
  request,
  waitFor,
  type TestStack,
  reapWithTestProcess,
} from '@food-delivery/testing';
import { Supervisor } from '../scripts/supervisor.mjs';

const ROOT = join(__dirname, '..');

interface Replica {
  instance: string;
  url: string;
}

/**
 * The process-level knobs on two user-service processes supervised by `npm start`'s supervisor (fast backoff):
 * readiness_fail (probe 503 while requests succeed) and crash (the process dies and comes back; `repeat`
 * makes it a crash loop until reset). Real Postgres, Redis and HTTP.
 */
describe('user service: process chaos knobs under the supervisor', () => {
  let stack: TestStack;
  let supervisor: Supervisor;
  const lines: string[] = [];
  const replicas: Replica[] = [];

  const faults = async (replica: Replica) =>
    ((await request(`${replica.url}/chaos`)).body.faults as { id: string }[]).map((fault) => fault.id).sort();
  const sees = (replica: Replica, ids: string[]) =>
    waitFor(
      `${replica.instance} to see ${ids.join(',') || 'no faults'}`,
      async () => JSON.stringify(await faults(replica).catch(() => null)) === JSON.stringify([...ids].sort()),
      { timeoutMs: 30_000 },
    );
  const restarts = (instance: string) =>
    supervisor.status().find((unit) => unit.instance === instance)!.restarts;
  const up = (instance: string) =>
    supervisor.status().find((unit) => unit.instance === instance)!.state === 'up';
  const login = (replica: Replica) =>
    request(`${replica.url}/login`, { body: { username: 'user', password: 'pass' } });

  before(async () => {
    stack = await createTestStack('user_process_chaos');
    supervisor = new Supervisor({
      say: (line: string) => lines.push(line),
      policy: { initialMs: 100, maxMs: 400, resetAfterMs: 60_000, crashLoopAfter: 5 },
      readyPollMs: 50,
    });
    for (const instance of ['user-p1', 'user-p2']) {
      const port = await freePort();
      const env = {
        PATH: process.env.PATH ?? '',
        ...stack.baseEnv,
        HOST: '127.0.0.1',
        PORT: String(port),
        INSTANCE_ID: instance,
        CHAOS_SYNC_INTERVAL_MS: '300',
        SEED_DEMO_USER: instance === 'user-p1' ? 'true' : 'false',
      };
      const unit = supervisor.add({
        service: 'user-service',
        instance,
        port,
        spawn: () =>
          reapWithTestProcess(
            spawn(
              process.execPath,
              [
                '--require',
                join(ROOT, 'scripts', 'ts-register.cjs'),
                '--conditions=@food-delivery/source',
                join(ROOT, 'services', 'user', 'src', 'main.ts'),
              ],
              { cwd: ROOT, env, stdio: 'ignore' },
            ),
          ),
        probe: async () =>
          (
            await fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(1000) }).catch(
              () => null,
            )
          )?.ok ?? false,
      });
      expect(await supervisor.start(unit, 90_000)).toBe(true);
      replicas.push({ instance, url: `http://127.0.0.1:${port}` });
    }
  });

  after(async () => {
    await supervisor?.stopAll(5_000);
    await stack?.teardown();
  });

  afterEach(async () => {
    await waitFor('both replicas up', () => up('user-p1') && up('user-p2'), { timeoutMs: 60_000 });
    expect((await request(`${replicas[0].url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    await sees(replicas[1], []);
  });

  it('readiness_fail: /health/ready 503 on both replicas while they keep serving; TTL and reset end it', async () => {
    const [one, two] = replicas;
    const set = await request(`${one.url}/chaos/readiness_fail`, { body: {} });
    expect(set.status).toBe(200);
    await sees(two, ['readiness_fail']);
    for (const replica of replicas) {
      const ready = await request(`${replica.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'error', error: { chaos: { status: 'down' } } });
      expect((await request(`${replica.url}/health/live`)).status).toBe(200);
      expect((await login(replica)).status).toBe(200);
    }
    const metrics = (await request(`${two.url}/metrics`)).text;
    expect(metrics).toMatch(/chaos_injections_total\{service="user-service",type="readiness_fail"\} [1-9]/);
    expect(metrics).toContain('chaos_active_faults{service="user-service",type="readiness_fail"} 1');
    // Out of bounds: refused, nothing changed.
    for (const body of [{ enable: 'no' }, { ttl_s: 0 }, { failing: true }]) {
      const res = await request(`${two.url}/chaos/readiness_fail`, { body });
      expect([body, res.status]).toEqual([body, 400]);
    }
    await sees(one, ['readiness_fail']);
    expect((await request(`${two.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    await sees(one, []);
    expect((await request(`${one.url}/health/ready`)).status).toBe(200);
    // ttl_s: back in rotation by itself.
    await request(`${two.url}/chaos/readiness_fail`, { body: { ttl_s: 1 } });
    await sees(one, ['readiness_fail']);
    expect((await request(`${one.url}/health/ready`)).status).toBe(503);
    await sees(one, []);
    await sees(two, []);
    expect((await request(`${two.url}/health/ready`)).status).toBe(200);
  });

  it('crash: both processes die and the supervisor brings them back; a one-shot crash does not repeat', async () => {
    const [one, two] = replicas;
    const before = replicas.map((replica) => restarts(replica.instance));
    const set = await request(`${one.url}/chaos/crash`, { body: { after_ms: 300 } });
    expect(set.status).toBe(200);
    expect(set.body.fault).toMatchObject({ signal: 'SIGKILL', repeat: false, ttl_remaining_s: 300 });
    const died = performance.now();
    await waitFor(
      'both to be restarted and up',
      () =>
        replicas.every((replica, i) => restarts(replica.instance) === before[i] + 1 && up(replica.instance)),
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const backMs = Math.round(performance.now() - died);
    const exits = supervisor.status().map((unit) => unit.last_exit?.signal);
    expect(exits).toEqual(['SIGKILL', 'SIGKILL']);
    // Done once every replica had its turn: the fault clears itself.
    await sees(one, []);
    await sees(two, []);
    expect((await login(two)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(replicas.map((replica) => restarts(replica.instance))).toEqual(before.map((n) => n + 1));
    process.stdout.write(`# crash: both replicas back ${backMs} ms after the fault was set\n`);
  });

  it('crash repeat on one instance: a crash loop on that replica only, until reset', async () => {
    const [one, two] = replicas;
    const before = { one: restarts(one.instance), two: restarts(two.instance) };
    const set = await request(`${one.url}/chaos/crash`, {
      body: { after_ms: 200, repeat: true, instance: two.instance, ttl_s: 120 },
    });
    expect(set.status).toBe(200);
    await waitFor('two restarts of the targeted replica', () => restarts(two.instance) >= before.two + 2, {
      timeoutMs: 90_000,
      intervalMs: 50,
    });
    expect(restarts(one.instance)).toBe(before.one);
    expect((await request(`${one.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    await waitFor('the targeted replica up again', () => up(two.instance), { timeoutMs: 60_000 });
    await sees(two, []);
    const settled = restarts(two.instance);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(restarts(two.instance)).toBe(settled);
    expect(restarts(one.instance)).toBe(before.one);
  });

  it('refuses crash bodies out of bounds (400) and changes nothing', async () => {
    for (const body of [{ after_ms: -1 }, { signal: 'SIGHUP' }, { repeat: 1 }, { ttl_s: 86_401 }]) {
      const res = await request(`${replicas[0].url}/chaos/crash`, { body });
      expect([body, res.status]).toEqual([body, 400]);
    }
    expect(await faults(replicas[1])).toEqual([]);
  });
});
