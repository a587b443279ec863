import { expect } from 'expect';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleFlight } from './single-flight';

describe('SingleFlight', () => {
  it('runs one load for concurrent callers of the same key and gives all of them its result', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const load = async () => {
      calls++;
      await sleep(20);
      return 42;
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => flights.run('a', load)));
    expect(results).toEqual(Array(50).fill(42));
    expect(calls).toBe(1);
    expect(flights.size).toBe(0);
  });

  it('keeps different keys apart', async () => {
    const flights = new SingleFlight<string>();
    const seen: string[] = [];
    const load = (key: string) => async () => {
      seen.push(key);
      await sleep(5);
      return key;
    };
    expect(await Promise.all([flights.run('a', load('a')), flights.run('b', load('b'))])).toEqual(['a', 'b']);
    expect(seen.sort()).toEqual(['a', 'b']);
  });

  it('shares a failure with every waiting caller, then lets the next call retry', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const failing = async () => {
      calls++;
      await sleep(5);
      throw new Error('database down');
    };
    const settled = await Promise.allSettled([flights.run('k', failing), flights.run('k', failing)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await flights.run('k', () => Promise.resolve(7))).toBe(7);
  });

  it('starts a new load after forget() and does not let the old one evict it', async () => {
    const flights = new SingleFlight<string>();
    let release!: () => void;
    const old = flights.run('k', () => new Promise<string>((resolve) => (release = () => resolve('old'))));
    await sleep(1);
    flights.forget('k');
    let slowNewDone!: () => void;
    const fresh = flights.run(
      'k',
      () => new Promise<string>((resolve) => (slowNewDone = () => resolve('new'))),
    );
    await sleep(1);
    release();
    expect(await old).toBe('old');
    // The old flight finished, but the new one must still be the one joined.
    const joined = flights.run('k', () => Promise.resolve('third'));
    slowNewDone();
    expect(await fresh).toBe('new');
    expect(await joined).toBe('new');
  });

  it('runs a synchronous throw as a rejected promise', async () => {
    const flights = new SingleFlight<number>();
    await expect(
      flights.run('k', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(flights.size).toBe(0);
  });
});
