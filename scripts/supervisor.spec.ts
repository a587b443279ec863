// The supervisor with real processes and a fast policy: a crash loop is slowed down to the cap and reported,
// never fatal, and the other processes are left alone.
import { expect } from 'expect';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { waitFor } from '@food-delivery/testing';
import { Supervisor } from './supervisor.mjs';

const alive = (pid: number | null): boolean => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
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
