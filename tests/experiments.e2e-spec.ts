import { expect } from 'expect';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contextFrom } from '../load/experiments/cli';
import { KNOB_EXPERIMENTS, loadDefinition, SPEC_SCENARIOS } from '../load/experiments/definitions';
import { resolveDefinition, stretchLatencyBounds } from '../load/experiments/model';
import { runExperiment, type Summary } from '../load/experiments/runner';
import { startStack, type Stack } from '../load/experiments/stack';

const root = join(__dirname, '..');
/** The spec scenarios' 40 s shapes, shortened (recovery graces and minimum fault windows stay wall-clock). */
const SCALE = 0.15;
/**
 * CI runs these beside the other suites on two cores, so latency bounds get 3× slack; every correctness probe
 * (outcome shares, error rates, the stock audits) stays exact.
 */
const LATENCY_SCALE = 3;

/** Everything that failed, readable in the assertion message. */
const failures = (summary: Summary) => ({
  verdict: summary.verdict.status,
  reasons: summary.verdict.reasons,
  failed: summary.probes
    .filter((p) => p.status === 'failed')
    .map((p) => `${p.phase} ${p.probe}: ${p.observed} ${p.detail ?? ''}`),
});

describe('experiments: the six spec scenarios and the knob experiments, shortened, against an own stack', () => {
  let stack: Stack;
  let resultsDir: string;

  before(async () => {
    resultsDir = mkdtempSync(join(tmpdir(), 'fd-experiments-'));
    stack = await startStack({});
  });

  after(async () => {
    await stack?.teardown();
    if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
  });

  for (const name of [...SPEC_SCENARIOS, ...KNOB_EXPERIMENTS]) {
    it(`${name}: the hypothesis holds before, during and after, and the report is written`, async () => {
      const output: string[] = [];
      const experiment = stretchLatencyBounds(
        resolveDefinition(loadDefinition(name), contextFrom([], SCALE)),
        LATENCY_SCALE,
      );
      const { summary, samples, dir, exitCode } = await runExperiment(experiment, {
        target: stack.target,
        stack,
        durationScale: SCALE,
        resultsDir,
        log: (line) => output.push(line),
      });
      expect(failures(summary)).toEqual({ verdict: 'passed', reasons: [], failed: [] });
      expect(exitCode).toBe(0);
      // Every judged phase saw traffic, the method ran, and the invariant was checked after the run.
      expect(summary.verdict.phases).toEqual({ before: 'held', during: 'held', after: 'held' });
      for (const phase of ['before', 'during', 'after'] as const)
        expect(summary.phases[phase]?.overall.count).toBeGreaterThan(5);
      expect(
        summary.checks.some((c) => c.phase === 'after' && c.probe.includes('/orders/audit') && c.ok),
      ).toBe(true);
      if (experiment.method.length) expect(summary.faults.length).toBe(experiment.method.length);
      expect(output.some((line) => /arrivals\/s .* p99 .* faults:/.test(line))).toBe(true);

      const csv = readFileSync(join(dir, 'samples.csv'), 'utf8').trim().split('\n');
      expect(csv[0]).toBe('time,t_ms,phase,stream,operation,status,latency_ms,error_code,outcome');
      expect(csv.length - 1).toBe(samples.length);
      expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).verdict.passed).toBe(true);
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(html).toContain('PASSED');
      expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4);
      expect(html).toContain('/explore?'); // Grafana links for the run's time range
      expect(html).not.toMatch(/<script|<link |<img |url\(/); // self-contained
    });
  }

  it('a hypothesis that cannot hold fails the verdict: the CLI skips the method, rolls back, exits 1, and reports', async () => {
    const definition = join(resultsDir, 'impossible.json');
    writeFileSync(
      definition,
      JSON.stringify({
        name: 'impossible-latency',
        title: 'An order p99 no system can meet',
        phases: { before: 1, during: 1, after: 1 },
        setup: { users: 2 },
        load: { streams: [{ name: 'orders', rate: 5, work: { type: 'order', menus: [1] } }] },
        hypothesis: {
          title: 'orders answer within a microsecond',
          probes: [{ name: 'order p99', type: 'latency', op: 'POST /orders', percentile: 99, maxMs: 0.001 }],
        },
        method: [
          {
            at: 0,
            fault: { kind: 'chaos', service: 'order', knob: 'payment_fail', body: { fail_percent: 100 } },
          },
        ],
        rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
      }),
    );
    const out = join(resultsDir, 'cli');
    const { services } = stack.target;
    const child = spawn(
      process.execPath,
      [
        '--require',
        './scripts/ts-register.cjs',
        '--conditions=@food-delivery/source',
        'load/experiments/cli.ts',
        definition,
        '--base-url',
        services.order,
        '--user-url',
        services.user,
        '--restaurant-url',
        services.restaurant,
        '--out',
        out,
        '--grafana-url',
        'http://grafana.example:3000',
        '--grafana-dashboard',
        'orders-overview',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, output }).toMatchObject({ code: 1, output: expect.stringContaining('verdict: FAILED') });

    const [dir] = readdirSync(out);
    expect(dir).toMatch(/^impossible-latency-\d{4}-\d\d-\d\dT/);
    const summary = JSON.parse(readFileSync(join(out, dir, 'summary.json'), 'utf8')) as Summary;
    expect(summary.verdict).toMatchObject({
      passed: false,
      status: 'failed',
      phases: { before: 'violated', during: 'skipped', after: 'skipped' },
    });
    expect(summary.verdict.reasons[0]).toMatch(/^before: order p99: p99 [\d.]+ ms \(allowed ≤ 0\.0 ms\)$/);
    // Chaos Toolkit's rule: no steady state, no method; the rollbacks still ran.
    expect(summary.faults).toEqual([]);
    expect(summary.timeline.map((e) => e.name)).toContain('reset chaos on order');
    expect(existsSync(join(out, dir, 'report.html'))).toBe(true);
    expect(summary.grafana.links[0].href).toMatch(
      /^http:\/\/grafana\.example:3000\/d\/orders-overview\?orgId=1&from=\d+&to=\d+$/,
    );
  });
});
