import { expect } from 'expect';
import { describe, it } from 'node:test';
import { niceScale } from '../charts';
import {
  DROPPED,
  failureLabel,
  percentile,
  percentileSorted,
  perSecond,
  shareAllowance,
  summarize,
  type Sample,
} from '../stats';

const sample = (t: number, status: number, latencyMs: number, extra: Partial<Sample> = {}): Sample => ({
  t,
  phase: 'before',
  stream: 's',
  op: 'POST /orders',
  status,
  latencyMs,
  code: '',
  outcome: '',
  ...extra,
});

describe('percentiles', () => {
  it('interpolates between closest ranks like NumPy', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile(values, 40)).toBeCloseTo(29); // rank 1.6 → 20 + 0.6 × 15
    expect(percentile([1, 2, 3, 4], 75)).toBeCloseTo(3.25);
  });

  it('does not care about input order, and is NaN when there is nothing', () => {
    expect(percentile([50, 15, 40, 20, 35], 50)).toBe(35);
    expect(percentile([], 99)).toBeNaN();
    expect(percentileSorted([7], 99)).toBe(7);
  });

  it('p99 of 1..1000 is 990.01', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBeCloseTo(990.01);
  });
});

describe('window summary', () => {
  it('counts errors (no answer or 5xx, not 4xx), drops, statuses and outcomes; latency over answered calls', () => {
    const stats = summarize(
      [
        sample(0, 201, 10, { outcome: 'CONFIRMED' }),
        sample(100, 402, 20, { code: 'PAYMENT_FAILED', outcome: 'PAYMENT_FAILED' }),
        sample(200, 504, 2000, { code: 'DEPENDENCY_TIMEOUT' }),
        sample(300, 0, 15000, { code: 'TIMEOUT' }),
        sample(400, 0, 0, { code: DROPPED }),
      ],
      1000,
    );
    expect(stats).toMatchObject({ count: 5, answered: 3, dropped: 1, errors: 3, errorRate: 0.6, rate: 5 });
    expect(stats.latency.max).toBe(2000);
    expect(stats.latency.p50).toBe(20);
    expect(stats.statuses).toEqual({ '201': 1, '402': 1, '504': 1, '0': 2 });
    expect(stats.outcomes).toEqual({ CONFIRMED: 1, PAYMENT_FAILED: 1 });
  });

  it('buckets per second by start time', () => {
    const buckets = perSecond(
      [
        sample(100, 201, 5),
        sample(900, 201, 7),
        sample(1500, 503, 3, { code: 'UPSTREAM_UNAVAILABLE' }),
        sample(2100, 0, 0, { code: DROPPED }),
      ],
      3,
    );
    expect(buckets.map((b) => [b.started, b.ok, b.errors, b.dropped])).toEqual([
      [2, 2, 0, 0],
      [1, 0, 1, 0],
      [1, 0, 0, 1],
    ]);
    expect(buckets[1].failures).toEqual({ '503 UPSTREAM_UNAVAILABLE': 1 });
    expect(failureLabel({ status: 0, code: 'ECONNREFUSED' })).toBe('ECONNREFUSED');
  });
});

describe('expected shares', () => {
  it('allows a few binomial sigmas, never less than the floor', () => {
    expect(shareAllowance(0.3, 100)).toBeCloseTo(4 * Math.sqrt(0.21 / 100)); // 18.3%
    expect(shareAllowance(0.3, 10_000)).toBeCloseTo(0.02); // floor
    expect(shareAllowance(0, 50)).toBe(0.02);
    expect(shareAllowance(0.5, 0)).toBe(0.02);
  });
});

describe('chart scale', () => {
  it('rounds an axis to 1, 2, 2.5 or 5 × 10^n steps', () => {
    expect(niceScale(1234)).toEqual({ max: 1500, step: 500 });
    expect(niceScale(9)).toEqual({ max: 10, step: 2.5 });
    expect(niceScale(0)).toEqual({ max: 1, step: 0.25 });
  });
});
