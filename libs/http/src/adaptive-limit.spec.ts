import { expect } from 'expect';
import { describe, it } from 'node:test';
import { AdaptiveLimit } from './adaptive-limit';

/**
 * Drives the limit with a simulated service: `concurrency` requests always in flight (as many as the limit
 * allows), each taking `latency(inFlight)` ms. Returns the limit after `seconds` of simulated time.
 */
function run(
  limit: AdaptiveLimit,
  seconds: number,
  latency: (inFlight: number) => number,
  clock: { now: number },
  offered = Infinity,
): number {
  const end = clock.now + seconds * 1000;
  while (clock.now < end) {
    const inFlight = Math.min(limit.limit, offered);
    const ms = latency(inFlight);
    // inFlight requests complete every `ms`.
    for (let i = 0; i < inFlight; i += 1) limit.sample(ms, inFlight - 1, clock.now);
    clock.now += ms;
  }
  return limit.limit;
}

describe('AdaptiveLimit', () => {
  it('grows to the ceiling while latency does not rise with concurrency', () => {
    const clock = { now: 0 };
    const limit = new AdaptiveLimit({ maxLimit: 256, initialLimit: 16 });
    expect(run(limit, 60, () => 10, clock)).toBe(256);
  });

  it('settles where a saturated service keeps latency within tolerance of its unloaded latency', () => {
    const clock = { now: 0 };
    const limit = new AdaptiveLimit({ maxLimit: 256 });
    // 10 ms unloaded; beyond 20 in flight requests queue: latency grows with concurrency (Little's law).
    const latency = (inFlight: number) => 10 * Math.max(1, inFlight / 20);
    run(limit, 5, latency, clock, 4); // light traffic first, as after a start
    const settled = run(limit, 60, latency, clock);
    expect(settled).toBeGreaterThanOrEqual(20);
    expect(latency(settled)).toBeLessThanOrEqual(4 * 10);
  });

  it('shrinks when the service slows down, and grows back when it recovers', () => {
    const clock = { now: 0 };
    const limit = new AdaptiveLimit({ maxLimit: 256 });
    run(limit, 30, () => 10, clock);
    expect(limit.limit).toBe(256);
    // Saturated: every request beyond 16 in flight queues.
    const slow = run(limit, 30, (inFlight) => 10 * Math.max(1, inFlight / 16), clock);
    expect(slow).toBeLessThan(64);
    expect(slow).toBeGreaterThanOrEqual(8);
    expect(run(limit, 60, () => 10, clock)).toBe(256);
  });

  it('starts at its ceiling, and drifts back to it while traffic is light and quick', () => {
    const clock = { now: 0 };
    const limit = new AdaptiveLimit({ maxLimit: 256 });
    expect(limit.limit).toBe(256);
    const latency = (inFlight: number) => 10 * Math.max(1, inFlight / 16);
    run(limit, 5, latency, clock, 4);
    run(limit, 30, latency, clock);
    expect(limit.limit).toBeLessThan(64);
    expect(run(limit, 30, () => 10, clock, 4)).toBeGreaterThanOrEqual(250);
  });

  it('stays within its bounds, also under load from the first request on', () => {
    const clock = { now: 0 };
    const limit = new AdaptiveLimit({ maxLimit: 100, minLimit: 8, initialLimit: 8 });
    // Pure queueing from the start: no unloaded window to learn from, the limit still stays near its floor.
    expect(run(limit, 30, (inFlight) => 10 * inFlight, clock)).toBeLessThanOrEqual(24);
    expect(limit.limit).toBeGreaterThanOrEqual(8);
    expect(run(limit, 120, () => 10, clock)).toBe(100);
  });
});
