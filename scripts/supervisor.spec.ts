// The supervisor with real processes and a fast policy: a crash loop is slowed down to the cap and reported,
// never fatal, and the other processes are left alone.
import { expect } from 'expect';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { waitFor } from '@food-delivery/testing';
import { Supervisor } from './supervisor.mjs';

/** True while `pid` runs (a zombie waiting to be reaped is not running). */
const alive = (pid: number | null): boolean => {
  if (!pid) return false;
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

describe('Supervisor (scripts/supervisor.mjs)', () => {
  it('restarts a crashing process with a growing, capped wait, reports the loop, and leaves the others running', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      say: (line) => lines.push(line),
      policy: { initialMs: 50, maxMs: 200, resetAfterMs: 60_000, crashLoopAfter: 3 },
      readyPollMs: 20,
    });
    const steady = supervisor.add({
      service: 'steady',
      instance: 'steady-1',
      spawn: () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }),
      probe: () => Promise.resolve(true),
    });
    const crasher = supervisor.add({
      service: 'crasher',
      instance: 'crasher-1',
      spawn: () => spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' }),
      probe: () => Promise.resolve(false),
    });
    try {
      expect(await supervisor.start(steady, 5_000)).toBe(true);
      const steadyPid = supervisor.status()[0].pid;
      expect(await supervisor.start(crasher, 100)).toBe(false);
      await waitFor('six restarts', () => supervisor.status()[1].restarts >= 6, { timeoutMs: 20_000 });
      const [steadyNow, crasherNow] = supervisor.status();
      expect(crasherNow.restart_delay_ms).toBe(200);
      expect(crasherNow.last_exit).toMatchObject({ code: 3, signal: null });
      expect(steadyNow).toMatchObject({ pid: steadyPid, state: 'up', restarts: 0 });
      expect(alive(steadyPid)).toBe(true);
      await waitFor('the reports', () => lines.some((line) => line.includes('is crash-looping')));
      // 50 ms, doubling, capped at 200 ms: one report per exit, before the restart it announces.
      const waits = lines
        .map((line) =>
          /^crasher-1 exited \(exit code 3\) after [\d.]+ m?s; restart (\d+) in (\d+) ms$/.exec(line),
        )
        .filter((match) => match !== null)
        .map((match) => [Number(match[1]), Number(match[2])]);
      expect(waits.slice(0, 5)).toEqual([
        [1, 50],
        [2, 100],
        [3, 200],
        [4, 200],
        [5, 200],
      ]);
      const announced = lines.findIndex((line) => line.includes('; restart 1 in 50 ms'));
      expect(announced).toBeLessThan(
        lines.findIndex((line) => line.startsWith('crasher-1 started again (restart 1,')),
      );
      expect(lines).toContainEqual(expect.stringMatching(/^crasher-1 started again \(restart 1, pid \d+\)$/));
      const metrics = await supervisor.registry.metrics();
      expect(metrics).toMatch(
        /launcher_restarts_total\{service="crasher",instance="crasher-1"\} ([6-9]|\d\d)/,
      );
      expect(metrics).toContain('launcher_restarts_total{service="steady",instance="steady-1"} 0');
    } finally {
      await supervisor.stopAll(2_000);
    }
    expect(
      supervisor
        .status()
        .map((unit) => unit.pid)
        .filter(alive),
    ).toEqual([]);
  });

  it('starts over at the first wait once a restarted process has been healthy for resetAfterMs', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      say: (line) => lines.push(line),
      policy: { initialMs: 50, maxMs: 1_000, resetAfterMs: 1_500, crashLoopAfter: 3 },
      readyPollMs: 20,
    });
    const unit = supervisor.add({
      service: 'flaky',
      instance: 'flaky-1',
      spawn: () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }),
      probe: () => Promise.resolve(true),
    });
    /** SIGKILLs the running process, waits until its successor is ready, and returns the wait the supervisor chose. */
    const killAndWaitBack = async (): Promise<number | null> => {
      const before = supervisor.status()[0];
      process.kill(before.pid!, 'SIGKILL');
      const back = await waitFor(
        'the restart',
        () => {
          const now = supervisor.status()[0];
          return now.restarts === before.restarts + 1 && now.state === 'up' && now;
        },
        { timeoutMs: 10_000, intervalMs: 10 },
      );
      expect(back.last_exit).toMatchObject({ signal: 'SIGKILL', code: null });
      return back.restart_delay_ms;
    };
    try {
      expect(await supervisor.start(unit, 5_000)).toBe(true);
      // Killed again right after each comeback: the wait doubles and the third exit is a crash loop.
      const quick = [await killAndWaitBack(), await killAndWaitBack(), await killAndWaitBack()];
      expect(quick).toEqual([50, 100, 200]);
      await waitFor('the crash-loop report', () =>
        lines.some((line) => line.includes('is crash-looping (3 exits')),
      );
      // Healthy for longer than resetAfterMs: the next exit waits the first wait again, and is no crash loop.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const crashLoopReports = lines.filter((line) => line.includes('is crash-looping')).length;
      expect(await killAndWaitBack()).toBe(50);
      expect(await killAndWaitBack()).toBe(100);
      expect(lines).toContainEqual(
        expect.stringMatching(/^flaky-1 exited \(signal SIGKILL\) after [\d.]+ m?s; restart 4 in 50 ms$/),
      );
      expect(lines.filter((line) => line.includes('is crash-looping')).length).toBe(crashLoopReports);
      expect(lines).toContainEqual(
        expect.stringMatching(/^flaky-1 is back \(restart 5, ready \d+ ms after it exited\)$/),
      );
    } finally {
      await supervisor.stopAll(2_000);
    }
  });

  it('kills what a SIGKILLed process-group leader left behind (nginx workers) before starting it again', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      say: (line) => lines.push(line),
      policy: { initialMs: 50, maxMs: 200, resetAfterMs: 60_000, crashLoopAfter: 3 },
      readyPollMs: 20,
    });
    // Like an nginx master: it starts a worker (which outlives it when it is SIGKILLed) and prints its pid.
    const workerPids: number[] = [];
    const leader = supervisor.add({
      service: 'master',
      instance: 'master-1',
      processGroup: true,
      spawn: () => {
        const child = spawn(
          process.execPath,
          [
            '-e',
            "const w = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(w.pid); setInterval(() => {}, 1000);",
          ],
          { stdio: ['ignore', 'pipe', 'ignore'], detached: true },
        );
        child.stdout.once('data', (chunk: Buffer) => workerPids.push(Number(chunk.toString().trim())));
        return child;
      },
      probe: () => Promise.resolve(true),
    });
    try {
      expect(await supervisor.start(leader, 5_000)).toBe(true);
      await waitFor('the first worker', () => workerPids.length === 1);
      const [firstWorker] = workerPids;
      expect(alive(firstWorker)).toBe(true);
      process.kill(supervisor.status()[0].pid!, 'SIGKILL');
      await waitFor('the second worker', () => workerPids.length === 2, { timeoutMs: 10_000 });
      await waitFor('the orphaned worker to be gone', () => !alive(firstWorker), { timeoutMs: 5_000 });
      expect(alive(workerPids[1])).toBe(true);
      expect(lines).toContainEqual(
        expect.stringMatching(/^master-1: killed the processes its exited leader left behind/),
      );
    } finally {
      await supervisor.stopAll(2_000);
    }
    // On stop too: the leader's graceful stop does not wait for this worker; the group kill does not forget it.
    await waitFor('every worker to be gone', () => workerPids.filter(alive).length === 0, {
      timeoutMs: 5_000,
    });
  });

  it('keeps retrying a process whose binary is missing, without falling over', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      say: (line) => lines.push(line),
      policy: { initialMs: 20, maxMs: 40, resetAfterMs: 60_000, crashLoopAfter: 3 },
    });
    const missing = supervisor.add({
      service: 'missing',
      instance: 'missing-1',
      spawn: () => spawn('/nonexistent/food-delivery-binary', [], { stdio: 'ignore' }),
      probe: () => Promise.resolve(false),
    });
    try {
      expect(await supervisor.start(missing, 50)).toBe(false);
      await waitFor('three restarts', () => supervisor.status()[0].restarts >= 3, { timeoutMs: 10_000 });
      expect(lines).toContainEqual(
        expect.stringMatching(/^missing-1 exited \(could not start\) after \d+ ms/),
      );
      expect(lines).toContainEqual(expect.stringContaining('ENOENT'));
    } finally {
      await supervisor.stopAll(1_000);
    }
  });
});
