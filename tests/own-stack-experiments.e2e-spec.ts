import { freePort } from '@food-delivery/testing';
import { expect } from 'expect';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { contextFrom, defaultBaseUrl } from '../load/experiments/cli';
import { loadDefinition, OWN_STACK_KNOB_EXPERIMENTS } from '../load/experiments/definitions';
import { resolveDefinition, stretchLatencyBounds } from '../load/experiments/model';
import { runExperiment, type Summary } from '../load/experiments/runner';
import { startStack } from '../load/experiments/stack';

/** As in experiments.e2e-spec.ts: CI runs these beside other suites on two cores. */
const LATENCY_SCALE = 3;

const failures = (summary: Summary) => ({
  verdict: summary.verdict.status,
  reasons: summary.verdict.reasons,
  failed: summary.probes
    .filter((p) => p.status === 'failed')
    .map((p) => `${p.phase} ${p.probe}: ${p.observed} ${p.detail ?? ''}`),
});

describe('experiments that need a stack of their own (gateway, replicas), shortened', () => {
  for (const name of OWN_STACK_KNOB_EXPERIMENTS) {
    it(`${name}: on the stack it asks for, the hypothesis holds and nothing is lost`, async () => {
      const resultsDir = mkdtempSync(join(tmpdir(), 'fd-experiments-'));
      const experiment = stretchLatencyBounds(
        resolveDefinition(loadDefinition(name), contextFrom([], 0.5)),
        LATENCY_SCALE,
      );
      expect(experiment.requiresStack).toBe(true);
      const stack = await startStack(experiment.stack ?? {});
      try {
        const output: string[] = [];
        const { summary, exitCode } = await runExperiment(experiment, {
          target: stack.target,
          stack,
          durationScale: 0.5,
          resultsDir,
          log: (line) => output.push(line),
        });
        expect(failures(summary)).toEqual({ verdict: 'passed', reasons: [], failed: [] });
        expect(exitCode).toBe(0);
        expect(summary.verdict.phases).toEqual({ before: 'held', during: 'held', after: 'held' });
        expect(summary.faults.length).toBe(experiment.method.length);
        expect(
          summary.checks.some((c) => c.phase === 'after' && c.probe.includes('/orders/audit') && c.ok),
        ).toBe(true);
      } finally {
        await stack.teardown();
        rmSync(resultsDir, { recursive: true, force: true });
      }
    });
  }
});

describe("the experiments' own stack", () => {
  it('is found by the CLI when it runs a gateway; kills it with its workers and starts it again on the same port', async () => {
    const stack = await startStack({ gateway: true });
    const health = () =>
      fetch(`${stack.target.baseUrl}/health`).then(
        (res) => res.status,
        () => 'refused',
      );
    try {
      expect(stack.target.mode).toBe('gateway');
      expect(await health()).toBe(200);
      // The CLI without --base-url: a gateway where npm start runs one, else the order service.
      const fallback = 'http://127.0.0.1:1/order-service';
      expect(await defaultBaseUrl(stack.target.baseUrl, fallback)).toBe(stack.target.baseUrl);
      expect(await defaultBaseUrl(stack.target.services.order, fallback)).toBe(fallback);
      expect(await defaultBaseUrl(`http://127.0.0.1:${await freePort()}`, fallback)).toBe(fallback);
      await stack.kill('gateway');
      // A SIGKILLed nginx master alone leaves its workers answering on the port (and the next master cannot bind).
      expect(await health()).toBe('refused');
      await stack.start('gateway');
      expect(await health()).toBe(200);
    } finally {
      await stack.teardown();
    }
    expect(await health()).toBe('refused');
  });
});
