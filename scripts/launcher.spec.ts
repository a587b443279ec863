// The pieces of `npm start` that are pure decisions: the restart backoff, --replicas, --traffic, the local secrets.
import { expect } from 'expect';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadLocalSecrets } from './local-secrets.mjs';
import { DEFAULT_TRAFFIC_RATE, parseReplicas, parseTraffic, replicaPort } from './start.mjs';
import { nextRestartDelay, RESTART_POLICY } from './supervisor.mjs';

describe('npm start: restart backoff', () => {
  it('waits 1 s, then doubles up to 30 s, and starts over after a minute of health', () => {
    const waits: number[] = [];
    let previous: number | null = null;
    for (let exit = 0; exit < 8; exit++) waits.push((previous = nextRestartDelay(previous, 5_000)));
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(nextRestartDelay(30_000, RESTART_POLICY.resetAfterMs)).toBe(1_000);
    expect(nextRestartDelay(30_000, RESTART_POLICY.resetAfterMs - 1)).toBe(30_000);
  });
});

describe('npm start: --replicas', () => {
  it('reads <service>=<count> pairs by short or full name', () => {
    expect(parseReplicas('order=2, restaurant-service=3')).toEqual({ order: 2, restaurant: 3 });
    expect(parseReplicas(undefined)).toEqual({});
  });

  it('rejects an unknown service or a count outside 1-9 with the expected form', () => {
    for (const bad of ['payments=2', 'order=0', 'order=10', 'order', 'order=two']) {
      expect(() => parseReplicas(bad)).toThrow(/expected <service>=<1-9>/);
    }
  });

  it('gives replica k the port + 10 × (k − 1)', () => {
    expect([1, 2, 3].map((index) => replicaPort(8003, index))).toEqual([8003, 8013, 8023]);
  });
});

describe('npm start: --traffic [rate]', () => {
  it('is off unless asked for; alone it runs at the default rate; a rate may follow or be attached', () => {
    expect(parseTraffic([])).toBeNull();
    expect(parseTraffic(['--replicas', 'order=2'])).toBeNull();
    expect(parseTraffic(['--traffic'])).toBe(DEFAULT_TRAFFIC_RATE);
    expect(parseTraffic(['--traffic', '--replicas', 'order=2'])).toBe(DEFAULT_TRAFFIC_RATE);
    expect(parseTraffic(['--traffic', '12'])).toBe(12);
    expect(parseTraffic(['--traffic=2.5'])).toBe(2.5);
    expect(parseTraffic(['--traffic', '0'])).toBe(0);
  });

  it('rejects what is not a rate of 0-200 journeys per second', () => {
    for (const bad of [
      ['--traffic', 'lots'],
      ['--traffic=-1'],
      ['--traffic=201'],
      ['--traffic='],
      ['--traffic=1e3'],
    ]) {
      expect(() => parseTraffic(bad)).toThrow(/expected a rate in journeys per second, 0-200/);
    }
  });
});

describe('npm start: local secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fd-secrets-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'data', 'secrets.env');

  it('generates them once (0600, random), reuses them, and lets the environment win', () => {
    const first = loadLocalSecrets(file, {});
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Object.keys(first.values)).toEqual(['SERVICE_CLIENT_SECRET', 'CHAOS_API_KEY', 'ADMIN_API_KEY']);
    for (const value of Object.values(first.values)) expect(value).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(Object.values(first.values)).size).toBe(3);
    expect(readFileSync(file, 'utf8')).toContain(`CHAOS_API_KEY=${first.values.CHAOS_API_KEY}\n`);

    const again = loadLocalSecrets(file, {});
    expect(again).toEqual({ ...first, created: false });
    const overridden = loadLocalSecrets(file, { CHAOS_API_KEY: 'from-the-environment' });
    expect(overridden.values).toEqual({ ...first.values, CHAOS_API_KEY: 'from-the-environment' });
    expect(readFileSync(file, 'utf8')).toContain(`CHAOS_API_KEY=${first.values.CHAOS_API_KEY}\n`);
  });
});
