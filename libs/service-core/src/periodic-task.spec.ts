import { expect } from 'expect';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { PeriodicTask } from './periodic-task';

/** Waits until `check` holds, polling every 5 ms, for at most 5 s. */
async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 5000) throw new Error('condition not met within 5 s');
    await sleep(5);
  }
}

describe('PeriodicTask', () => {
  it('runs a first round at once, then waits intervalMs, and stop waits for the round in progress', async () => {
    let rounds = 0;
    let release = () => {};
    const task = new PeriodicTask({
      name: 'test',
      intervalMs: 60_000,
      logger: { error: () => {} },
      round: async () => {
        rounds += 1;
        await new Promise<void>((resolve) => (release = resolve));
      },
    });
    task.start();
    task.start(); // a second start is a no-op
    await until(() => rounds === 1);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await sleep(20);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(task.stopped).toBe(true);
    await sleep(20);
    expect(rounds).toBe(1);
  });

  it('a wake during a round, or a round resolving true, runs the next round at once', async () => {
    const results: boolean[] = [true, false, false];
    let rounds = 0;
    let wakeDuringRound = false;
    const task: PeriodicTask = new PeriodicTask({
      name: 'test',
      intervalMs: 60_000,
      logger: { error: () => {} },
      round: async () => {
        rounds += 1;
        await sleep(1);
        if (wakeDuringRound) {
          wakeDuringRound = false;
          task.wake();
        }
        return results[rounds - 1] ?? false;
      },
    });
    task.wake(); // before start: ignored
    await sleep(20);
    expect(rounds).toBe(0);
    task.start();
    await until(() => rounds === 2); // round 1 resolved true
    await sleep(20);
    expect(rounds).toBe(2); // round 2 resolved false: waits the interval
    wakeDuringRound = true;
    task.wake(); // idle: at once
    await until(() => rounds === 4); // round 3 was woken during itself
    await task.stop();
  });

  it('logs a failed round and keeps going', async () => {
    const errors: string[] = [];
    let rounds = 0;
    const task = new PeriodicTask({
      name: 'Flaky job',
      intervalMs: 1,
      logger: { error: (message) => errors.push(message) },
      round: () => {
        rounds += 1;
        return rounds === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
    });
    task.start();
    await until(() => rounds >= 2);
    await task.stop();
    expect(errors).toEqual(['Flaky job round failed: boom']);
  });
});
