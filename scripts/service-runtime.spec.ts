import { expect } from 'expect';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from './service-runtime.mjs';

describe('service runtime flags', () => {
  it('are accepted by this Node and bound the young generation to 16 MB (V8 default: 32 MB)', () => {
    // Allocates enough short-lived objects for the young generation to grow to its maximum.
    const script =
      "const v8 = require('node:v8'); let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i }); if (keep.length > 1e5) keep = []; }" +
      "process.stdout.write(JSON.stringify({ newSpace: v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size }));";
    const run = (flags: readonly string[]) => {
      const result = spawnSync(process.execPath, [...flags, '-e', script], {
        encoding: 'utf8',
        env: { ...SERVICE_ENV, PATH: process.env.PATH ?? '' }, // accepted by glibc with the flags
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      return JSON.parse(result.stdout) as { newSpace: number };
    };
    const tuned = run(SERVICE_NODE_FLAGS);
    expect(tuned.newSpace).toBeLessThanOrEqual(16 * 2 ** 20);
    expect(run([]).newSpace).toBeGreaterThan(16 * 2 ** 20);
  });
});
