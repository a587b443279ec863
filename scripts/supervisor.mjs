// The process supervisor behind `npm start`: every service replica (and the local gateway) is a unit that is
// started again when it exits, after a backoff that doubles from 1 s to 30 s and starts over once the unit has
// been ready for a minute. A crash loop is reported and slowed down, never fatal; the other units never stop
// because one died. Restarts are counted on a loopback status endpoint (launcher_restarts_total).
import { createServer } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { signalProcessGroup } from './process-group.mjs';

export const RESTART_POLICY = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000, crashLoopAfter: 3 };

/**
 * The wait before the next start: the first restart (or the first after a minute of health) waits
 * `initialMs`; each further one doubles the previous wait, up to `maxMs`.
 */
export function nextRestartDelay(previousMs, healthyForMs, policy = RESTART_POLICY) {
  if (previousMs === null || healthyForMs >= policy.resetAfterMs) return policy.initialMs;
  return Math.min(previousMs * 2, policy.maxMs);
}

const describeExit = (code, signal) =>
  signal ? `signal ${signal}` : code === null ? 'could not start' : `exit code ${code}`;
const seconds = (ms) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`);

export class Supervisor {
  /**
   * @param {{ say: (line: string) => void, policy?: typeof RESTART_POLICY, readyPollMs?: number }} options
   */
  constructor({ say, policy = RESTART_POLICY, readyPollMs = 250 }) {
    this.say = say;
    this.policy = policy;
    this.readyPollMs = readyPollMs;
    this.units = [];
    this.stopping = false;
    this.registry = new Registry();
    this.restartsTotal = new Counter({
      name: 'launcher_restarts_total',
      help: 'Times npm start restarted a process after it exited or was killed',
      labelNames: ['service', 'instance'],
      registers: [this.registry],
    });
    this.up = new Gauge({
      name: 'launcher_instance_up',
      help: '1 when the process runs and answers its readiness probe, else 0',
      labelNames: ['service', 'instance'],
      registers: [this.registry],
    });
  }

  /**
   * A unit: `spawn()` starts its process and returns the ChildProcess; `probe()` resolves true once it is
   * ready; `stopSignal` is what a graceful stop sends (SIGTERM for Node, SIGQUIT for nginx). `processGroup`:
   * the process was spawned `detached`, leading a process group of its own with the processes it starts
   * (nginx's workers); once it has exited, whatever is left of its group is killed, before a restart and on stop.
   * Without that, the workers of a SIGKILLed nginx master keep its ports and every new master fails to bind.
   */
  add({ service, instance, port, spawn, probe, stopSignal = 'SIGTERM', processGroup = false }) {
    const unit = {
      service,
      instance,
      port,
      spawn,
      probe,
      stopSignal,
      processGroup,
      child: null,
      state: 'new',
      restarts: 0,
      delayMs: null,
      consecutive: 0,
      startedAt: null,
      readyAt: null,
      lastExit: null,
      nextStartAt: null,
      timer: null,
    };
    this.restartsTotal.labels(service, instance).inc(0);
    this.up.labels(service, instance).set(0);
    this.units.push(unit);
    return unit;
  }

  /** Starts a unit and resolves once it is ready (true) or `timeoutMs` passed (false; it keeps being supervised). */
  async start(unit, timeoutMs = 90_000) {
    this.launch(unit);
    return this.waitReady(unit, timeoutMs);
  }

  launch(unit) {
    if (this.stopping) return;
    const child = unit.spawn();
    unit.child = child;
    unit.state = 'starting';
    unit.startedAt = Date.now();
    unit.readyAt = null;
    unit.nextStartAt = null;
    child.once('exit', (code, signal) => this.exited(unit, child, code, signal));
    // A process that could not be started at all (its binary is gone) emits only 'error': same as an exit.
    child.on('error', (error) => {
      this.say(`${unit.instance}: ${error.message}`);
      if (child.pid === undefined) this.exited(unit, child, null, null);
    });
    void this.watchReady(unit, child);
  }

  async watchReady(unit, child) {
    while (!this.stopping && unit.child === child && child.exitCode === null && child.signalCode === null) {
      if (await unit.probe().catch(() => false)) {
        if (unit.child !== child) return;
        unit.state = 'up';
        unit.readyAt = Date.now();
        this.up.labels(unit.service, unit.instance).set(1);
        if (unit.restarts > 0 && unit.lastExit) {
          this.say(
            `${unit.instance} is back (restart ${unit.restarts}, ready ${seconds(unit.readyAt - unit.lastExit.at)} after it exited)`,
          );
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.readyPollMs));
    }
  }

  async waitReady(unit, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.stopping) {
      if (unit.state === 'up') return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return unit.state === 'up';
  }

  /** Kills what is left of an exited unit's process group (see `add`). */
  reapGroup(unit, child) {
    if (!unit.processGroup || !signalProcessGroup(child?.pid, 'SIGKILL')) return;
    this.say(
      `${unit.instance}: killed the processes its exited leader left behind (process group ${child.pid})`,
    );
  }

  exited(unit, child, code, signal) {
    if (unit.child !== child) return;
    this.reapGroup(unit, child);
    const at = Date.now();
    const ranMs = at - unit.startedAt;
    const healthyForMs = unit.readyAt ? at - unit.readyAt : 0;
    unit.child = null;
    unit.state = 'restarting';
    unit.lastExit = { code, signal, at, ranMs };
    this.up.labels(unit.service, unit.instance).set(0);
    if (this.stopping) return;
    unit.delayMs = nextRestartDelay(unit.delayMs, healthyForMs, this.policy);
    unit.consecutive = unit.delayMs === this.policy.initialMs ? 1 : unit.consecutive + 1;
    unit.nextStartAt = at + unit.delayMs;
    const { delayMs, consecutive } = unit;
    const restart = unit.restarts + 1;
    // A terminal's Ctrl-C reaches the services too: let the launcher's own SIGINT handler run before reporting.
    setTimeout(
      () => {
        if (this.stopping) return;
        this.say(
          `${unit.instance} exited (${describeExit(code, signal)}) after ${seconds(ranMs)}; ` +
            `restart ${restart} in ${seconds(delayMs)}`,
        );
        if (consecutive >= this.policy.crashLoopAfter) {
          this.say(
            `${unit.instance} is crash-looping (${consecutive} exits without a minute of health): ` +
              `slowing down to one start every ${seconds(delayMs)} (max ${seconds(this.policy.maxMs)}); ` +
              'the other services keep running',
          );
        }
      },
      Math.min(150, delayMs / 2),
    );
    unit.timer = setTimeout(() => {
      unit.timer = null;
      if (this.stopping) return;
      unit.restarts += 1;
      this.restartsTotal.labels(unit.service, unit.instance).inc();
      try {
        this.launch(unit);
        this.say(`${unit.instance} started again (restart ${unit.restarts}, pid ${unit.child?.pid})`);
      } catch (error) {
        this.say(`${unit.instance} could not be started: ${error.message}`);
        this.exited(unit, unit.child, 1, null);
      }
    }, unit.delayMs);
  }

  /** Stops every unit gracefully (SIGKILL after `graceMs`), in reverse start order, all at once. */
  async stopAll(graceMs = 10_000) {
    this.stopping = true;
    for (const unit of this.units) if (unit.timer) clearTimeout(unit.timer);
    await Promise.all(
      this.units.map(async (unit) => {
        const child = unit.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill(unit.stopSignal);
          setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
        });
      }),
    );
  }

  status() {
    return this.units.map((unit) => ({
      service: unit.service,
      instance: unit.instance,
      port: unit.port,
      pid: unit.child?.pid ?? null,
      state: unit.state,
      restarts: unit.restarts,
      started_at: unit.startedAt && new Date(unit.startedAt).toISOString(),
      ready_at: unit.readyAt && new Date(unit.readyAt).toISOString(),
      last_exit: unit.lastExit && {
        code: unit.lastExit.code,
        signal: unit.lastExit.signal,
        at: new Date(unit.lastExit.at).toISOString(),
        ran_ms: unit.lastExit.ranMs,
      },
      restart_delay_ms: unit.delayMs,
      next_start_at: unit.nextStartAt && new Date(unit.nextStartAt).toISOString(),
    }));
  }

  /**
   * GET /metrics (Prometheus text) and GET /status (JSON) on 127.0.0.1:`port`. Resolves the server, or null
   * when the port is taken (the launcher goes on without it).
   */
  async serveStatus(port, host = '127.0.0.1') {
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET') {
        response.writeHead(405, { 'content-type': 'application/json' }).end('{"statusCode":405}');
      } else if (path === '/metrics') {
        void this.registry.metrics().then((text) => {
          response.writeHead(200, { 'content-type': this.registry.contentType }).end(text);
        });
      } else if (path === '/status' || path === '/') {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ pid: process.pid, instances: this.status() }, null, 2));
      } else {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404}');
      }
    });
    return new Promise((resolve) => {
      server.once('error', (error) => {
        this.say(`launcher status endpoint not started on ${host}:${port}: ${error.message}`);
        resolve(null);
      });
      server.listen(port, host, () => resolve(server));
    });
  }
}
