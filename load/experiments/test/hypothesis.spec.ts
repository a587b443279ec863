import { expect } from 'expect';
import { describe, it } from 'node:test';
import { evaluateInstant, evaluateProbe, phasesOf, verdictOf, type ProbeResult } from '../hypothesis';
import type { Probe } from '../model';
import { DROPPED, type Sample } from '../stats';

const order = (status: number, latencyMs: number, outcome = '', code = ''): Sample => ({
  t: 0,
  phase: 'during',
  stream: 'orders',
  op: 'POST /orders',
  status,
  latencyMs,
  code,
  outcome,
});
const many = (count: number, make: (i: number) => Sample) => Array.from({ length: count }, (_, i) => make(i));

describe('probes on a window', () => {
  it('latency: a percentile against maxMs / minMs per phase', () => {
    const probe: Probe = {
      name: 'p99',
      type: 'latency',
      op: 'POST /orders',
      percentile: 99,
      maxMs: { before: 100, during: 500 },
    };
    const samples = many(100, (i) => order(201, i + 1));
    expect(evaluateProbe(probe, 'before', samples)).toMatchObject({
      status: 'passed',
      observed: 'p99 99 ms',
    });
    expect(phasesOf(probe)).toEqual(['before', 'during']);
    const slow = evaluateProbe({ ...probe, maxMs: 50 }, 'after', samples);
    expect(slow).toMatchObject({ status: 'failed', tolerance: '≤ 50 ms' });
    expect(
      evaluateProbe({ name: 'slow', type: 'latency', percentile: 75, minMs: 80 }, 'during', samples).status,
    ).toBe('failed');
  });

  it('an impossible bound fails, and nothing matching fails too (a probe that sees nothing proves nothing)', () => {
    const impossible: Probe = { name: 'p99', type: 'latency', percentile: 99, maxMs: 0.001 };
    expect(evaluateProbe(impossible, 'before', [order(201, 3)]).status).toBe('failed');
    expect(evaluateProbe(impossible, 'before', [])).toMatchObject({
      status: 'failed',
      observed: 'no samples',
    });
  });

  it('error rate counts 5xx, no answer and drops, not business 4xx', () => {
    const probe: Probe = { name: 'errors', type: 'error-rate', max: 0.1 };
    const samples = [
      ...many(16, () => order(201, 5)),
      order(402, 5, 'PAYMENT_FAILED', 'PAYMENT_FAILED'),
      order(409, 5, 'OUT_OF_STOCK', 'OUT_OF_STOCK'),
      order(503, 5, '', 'DEPENDENCY_UNAVAILABLE'),
      order(0, 0, '', DROPPED),
    ];
    const result = evaluateProbe(probe, 'during', samples);
    expect(result).toMatchObject({ status: 'passed', value: 0.1, observed: '10.0% of 20' });
    expect(result.detail).toContain('503 DEPENDENCY_UNAVAILABLE ×1');
    expect(evaluateProbe({ ...probe, max: 0.05 }, 'during', samples).status).toBe('failed');
  });

  it('status and outcome shares: min, max, and an expected share with a binomial allowance', () => {
    const samples = [
      ...many(70, () => order(201, 5, 'CONFIRMED')),
      ...many(30, () => order(402, 5, 'PAYMENT_FAILED')),
    ];
    const clean: Probe = { name: 'clean', type: 'status-share', statuses: [201, 402], min: 0.99 };
    expect(evaluateProbe(clean, 'during', samples).status).toBe('passed');
    const failures: Probe = {
      name: 'failures',
      type: 'outcome-share',
      outcomes: ['PAYMENT_FAILED'],
      expect: { before: { share: 0 }, during: { share: 0.3 } },
    };
    expect(evaluateProbe(failures, 'during', samples)).toMatchObject({
      status: 'passed',
      observed: 'PAYMENT_FAILED: 30.0% of 100',
    });
    expect(evaluateProbe(failures, 'before', samples).status).toBe('failed'); // 30% where 0% ± 2% was expected
    expect(evaluateProbe({ ...failures, expect: { share: 0.6 } }, 'during', samples).status).toBe('failed');
    expect(evaluateProbe({ ...failures, expect: undefined, max: 0.25 }, 'during', samples).status).toBe(
      'failed',
    );
  });

  it('throughput: the answered share of the offered arrivals', () => {
    const samples = [...many(9, () => order(201, 5)), order(0, 0, '', DROPPED)];
    const result = evaluateProbe({ name: 't', type: 'throughput', minShare: 1 }, 'during', samples);
    expect(result).toMatchObject({ status: 'failed', value: 0.9, detail: '1 dropped (too many in flight)' });
  });

  it('filters by operation, stream and outcome', () => {
    const samples = [
      order(201, 900, 'MISS'),
      { ...order(200, 2, 'HIT'), op: 'GET /menus' },
      { ...order(200, 400, 'MISS'), op: 'GET /menus' },
    ];
    const hits: Probe = {
      name: 'hits',
      type: 'latency',
      op: 'GET /menus',
      outcome: 'HIT',
      percentile: 99,
      maxMs: 10,
    };
    expect(evaluateProbe(hits, 'during', samples)).toMatchObject({ status: 'passed', samples: 1 });
  });

  it('skips stock-dependent probes when the stock could not be reset', () => {
    const probe: Probe = {
      name: 'sold out',
      type: 'outcome-share',
      outcomes: ['OUT_OF_STOCK'],
      min: 0.2,
      needsStockReset: true,
    };
    expect(evaluateProbe(probe, 'during', [], { stockReset: false }).status).toBe('skipped');
  });
});

describe('point-in-time probes', () => {
  const audit: Probe = { name: 'audit', type: 'audit', scope: 'orders' };

  it('the order audit is judged before and after (not under traffic); the inventory ledger also during', () => {
    expect(phasesOf(audit)).toEqual(['before', 'after']);
    expect(phasesOf({ name: 'ledger', type: 'audit', scope: 'inventory' })).toEqual([
      'before',
      'during',
      'after',
    ]);
  });

  it('passes when every check of the phase passed, fails when one failed or none ran', () => {
    const checks = [
      { probe: 'audit', phase: 'after' as const, tMs: 10, ok: true, detail: 'ok' },
      { probe: 'audit', phase: 'during' as const, tMs: 5, ok: true, detail: 'ok' },
      { probe: 'audit', phase: 'during' as const, tMs: 6, ok: false, detail: '2 violations: menu 1 drift 1' },
    ];
    expect(evaluateInstant(audit, 'after', checks).status).toBe('passed');
    expect(evaluateInstant(audit, 'during', checks)).toMatchObject({
      status: 'failed',
      detail: '2 violations: menu 1 drift 1',
    });
    expect(evaluateInstant(audit, 'before', checks)).toMatchObject({ status: 'failed', observed: 'not run' });
  });
});

describe('verdict', () => {
  const result = (phase: ProbeResult['phase'], status: ProbeResult['status']): ProbeResult => ({
    probe: 'p',
    type: 'latency',
    phase,
    status,
    observed: 'p99 5 ms',
    tolerance: '≤ 1 ms',
  });

  it('passes only when the hypothesis held in every phase', () => {
    expect(
      verdictOf([result('before', 'passed'), result('during', 'passed'), result('after', 'passed')]),
    ).toEqual({
      passed: true,
      status: 'passed',
      phases: { before: 'held', during: 'held', after: 'held' },
      reasons: [],
    });
    const failed = verdictOf([
      result('before', 'passed'),
      result('during', 'failed'),
      result('after', 'passed'),
    ]);
    expect(failed).toMatchObject({ passed: false, status: 'failed', phases: { during: 'violated' } });
    expect(failed.reasons).toEqual(['during: p: p99 5 ms (allowed ≤ 1 ms)']);
  });

  it('a skipped phase, a failed action or an interruption is never a pass', () => {
    const ok = [result('before', 'passed')];
    expect(verdictOf(ok, { skipped: ['during', 'after'] })).toMatchObject({
      passed: false,
      status: 'failed',
    });
    expect(
      verdictOf([...ok, result('during', 'passed'), result('after', 'passed')], {
        errors: ['fault could not be injected'],
      }),
    ).toMatchObject({
      passed: false,
      status: 'error',
    });
    expect(verdictOf(ok, { aborted: true })).toMatchObject({ passed: false, status: 'aborted' });
  });
});
