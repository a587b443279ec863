import { expect } from 'expect';
import { describe, it } from 'node:test';
import { LoadGenerator, sleep } from '../load';
import { forPhase, stretchLatencyBounds, validateExperiment, type Experiment } from '../model';
import { buildSchedule, judgedIn, phaseAt, rateIn, windowOf } from '../schedule';

const experiment = (overrides: Partial<Experiment> = {}): Experiment => ({
  name: 'demo',
  title: 'demo',
  phases: { before: 10, during: 20, after: 10, recoveryGraceS: 3 },
  load: {
    streams: [
      { name: 'orders', rate: { before: 5, during: 20, after: 5 }, work: { type: 'order', menus: [1] } },
    ],
  },
  hypothesis: { title: 'h', probes: [{ name: 'p', type: 'error-rate', max: 0.01 }] },
  method: [
    {
      at: 0,
      name: 'payment_fail',
      fault: { kind: 'chaos', service: 'order', knob: 'payment_fail', body: { fail_percent: 30 } },
    },
    { at: 5, duration: 10, fault: { kind: 'kill', target: 'order-2' } },
  ],
  ...overrides,
});

describe('schedule', () => {
  it('lays out before, during, recovery grace and after, with faults relative to the method', () => {
    const schedule = buildSchedule(experiment());
    expect(schedule.starts).toEqual({ before: 0, during: 10_000, recovery: 30_000, after: 33_000 });
    expect(schedule.endMs).toBe(43_000);
    expect(schedule.steps.map((s) => [s.name, s.atMs, s.revertAtMs])).toEqual([
      ['payment_fail', 10_000, 30_000], // until the rollbacks at the end of the method
      ['kill order-2', 15_000, 25_000],
    ]);
    expect(schedule.probeTimesMs).toEqual([
      12_000, 14_000, 16_000, 18_000, 20_000, 22_000, 24_000, 26_000, 28_000, 30_000,
    ]);
  });

  it('scales phases and fault times, but not the wall-clock recovery grace', () => {
    const schedule = buildSchedule(experiment(), 0.1);
    expect(schedule.starts).toEqual({ before: 0, during: 1000, recovery: 3000, after: 6000 });
    expect(schedule.steps[1]).toMatchObject({ atMs: 1500, revertAtMs: 2500 });
    expect(schedule.probeTimesMs).toEqual([3000]); // at least once, at the end of the method
  });

  it('keeps a phase at least a second long, and the method at least minDuringS (faults stretch with it)', () => {
    const base = experiment();
    const schedule = buildSchedule({ ...base, phases: { ...base.phases, minDuringS: 8 } }, 0.01);
    expect(schedule.starts).toEqual({ before: 0, during: 1000, recovery: 9000, after: 12_000 });
    expect(schedule.steps[1]).toMatchObject({ atMs: 3000, revertAtMs: 7000 });
  });

  it('rejects a fault after the method, and a non-positive scale', () => {
    expect(() =>
      buildSchedule(experiment({ method: [{ at: 21, fault: { kind: 'stop', target: 'redis' } }] })),
    ).toThrow(/after the end of the during phase/);
    expect(() => buildSchedule(experiment(), 0)).toThrow(/scale/);
  });

  it('attributes samples to phases by start time; before only counts calls that finished before the method', () => {
    const schedule = buildSchedule(experiment());
    expect([0, 9_999, 10_000, 30_500, 33_000].map((t) => phaseAt(schedule, t))).toEqual([
      'before',
      'before',
      'during',
      'recovery',
      'after',
    ]);
    expect(windowOf(schedule, 'after')).toEqual([33_000, 43_000]);
    expect(judgedIn(schedule, 'before', { t: 9_000, latencyMs: 500 })).toBe(true);
    expect(judgedIn(schedule, 'before', { t: 9_800, latencyMs: 500 })).toBe(false); // the fault caught it
    expect(judgedIn(schedule, 'during', { t: 29_000, latencyMs: 5000 })).toBe(true);
    expect(judgedIn(schedule, 'after', { t: 31_000, latencyMs: 5 })).toBe(false); // recovery grace: not judged
  });

  it('reads per-phase rates and tolerances (recovery runs at the after rate)', () => {
    const rate = { before: 5, during: 20 };
    expect([
      rateIn(rate, 'before'),
      rateIn(rate, 'during', 2),
      rateIn(rate, 'recovery'),
      rateIn(12, 'after'),
    ]).toEqual([5, 40, 0, 12]);
    expect(forPhase({ share: 0.3 }, 'before')).toEqual({ share: 0.3 }); // a value, not a per-phase map
    expect(forPhase({ during: { share: 0.3 } }, 'before')).toBeUndefined();
  });
});

describe('definition checks', () => {
  it('lists every problem of a bad definition', () => {
    expect(validateExperiment(experiment())).toEqual([]);
    const problems = validateExperiment({
      name: 'Bad Name',
      phases: { before: 0, during: 1, after: 1 },
      load: { streams: [{ name: 'x', rate: -1, work: { type: 'nope' } }] },
      hypothesis: { probes: [{ name: 'p', type: 'latency', percentile: 120 }] },
      method: [{ at: 1, fault: { kind: 'chaos', service: 'billing', knob: 'delay', body: {} } }],
    });
    expect(problems).toEqual([
      'name: lowercase words joined by "-"',
      'title: required',
      'phases: before, during and after must be positive numbers of seconds',
      'load.streams[0].rate: a number ≥ 0 or {before, during, after}',
      'load.streams[0].work.type: one of order, order-flow, cancel-reorder, read-menus, read-order, login, signup, bad-input',
      'hypothesis.probes[0].percentile: (0, 100]',
      'hypothesis.probes[0]: maxMs or minMs',
      'method[0].fault.service: user, restaurant, order',
    ]);
  });
});

describe('open-model load generator', () => {
  it('starts arrivals on schedule even when nothing answers, and drops beyond the in-flight bound', async () => {
    let started = 0;
    const dropped: number[] = [];
    const t0 = performance.now();
    const never = new Promise<void>(() => undefined);
    const generator = new LoadGenerator(
      () => performance.now() - t0,
      {
        run: () => {
          started += 1;
          return never; // a system that never answers: a closed loop would stop sending here
        },
        drop: (_stream, at) => dropped.push(at),
      },
      5,
    );
    generator.setRate('s', 100);
    await sleep(205);
    generator.stop();
    expect(started).toBe(5);
    expect(generator.started).toBeGreaterThanOrEqual(19);
    expect(generator.started).toBeLessThanOrEqual(23);
    expect(dropped.length).toBe(generator.started - 5);
    expect(generator.inFlight).toBe(5);
    expect(await generator.drain(10)).toBe(false);
  });

  it('keeps the pace when the rate changes, and finishes what is in flight', async () => {
    const t0 = performance.now();
    let done = 0;
    const generator = new LoadGenerator(
      () => performance.now() - t0,
      {
        run: async () => {
          await sleep(20);
          done += 1;
        },
        drop: () => undefined,
      },
      100,
    );
    generator.setRate('s', 50);
    await sleep(100);
    generator.setRate('s', 0);
    const paused = generator.started;
    await sleep(60);
    expect(generator.started).toBe(paused);
    expect(paused).toBeGreaterThanOrEqual(5);
    expect(await generator.drain(1000)).toBe(true);
    expect(done).toBe(paused);
  });
});

describe('stretchLatencyBounds', () => {
  it('multiplies latency bounds only, per phase or flat', () => {
    const experiment = {
      name: 'x',
      title: 'x',
      description: 'x',
      load: [],
      method: [],
      hypothesis: {
        probes: [
          { name: 'p99', type: 'latency', percentile: 99, maxMs: { before: 100, after: 200 } },
          { name: 'p50', type: 'latency', percentile: 50, maxMs: 10 },
          { name: 'errors', type: 'error-rate', max: 0.01 },
        ],
      },
    } as unknown as Parameters<typeof stretchLatencyBounds>[0];
    const stretched = stretchLatencyBounds(experiment, 3).hypothesis.probes as unknown as Record<
      string,
      unknown
    >[];
    expect(stretched[0].maxMs).toEqual({ before: 300, after: 600 });
    expect(stretched[1].maxMs).toBe(30);
    expect(stretched[2]).toEqual({ name: 'errors', type: 'error-rate', max: 0.01 });
  });
});
