import { expect } from 'expect';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from './service-runtime.mjs';

const root = join(__dirname, '..');

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

  it('keep WebAssembly on Liftoff after it has run hot (V8 default: tiered up to TurboFan)', () => {
    // (func (param i32 i32) (result i32) local.get 0 local.get 1 i32.add), exported as "add". Tier-up compiles on a
    // background thread: the script keeps calling it until it is tiered up or WAIT_MS have passed.
    const script =
      'const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);' +
      'const { add } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;' +
      'const deadline = Date.now() + Number(process.env.WAIT_MS); let sum = 0;' +
      'const poll = () => { for (let i = 0; i < 1e6; i++) sum = add(sum, i) | 0;' +
      '  if (!%IsLiftoffFunction(add) || Date.now() > deadline) process.stdout.write(String(%IsLiftoffFunction(add)));' +
      '  else setTimeout(poll, 50); };' +
      'poll();';
    const run = (flags: readonly string[], waitMs: number) =>
      spawnSync(process.execPath, [...flags, '--allow-natives-syntax', '-e', script], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', WAIT_MS: String(waitMs) },
      }).stdout;
    expect(run(SERVICE_NODE_FLAGS, 1500)).toBe('true');
    expect(run([], 20_000)).toBe('false');
  });

  it("are on each service's own start and serve commands", () => {
    const expected = `MALLOC_MMAP_THRESHOLD_=${SERVICE_ENV.MALLOC_MMAP_THRESHOLD_} node ${SERVICE_NODE_FLAGS.join(' ')} --require`;
    for (const service of ['user', 'restaurant', 'order']) {
      const manifest = JSON.parse(readFileSync(join(root, 'services', service, 'package.json'), 'utf8')) as {
        scripts: { start: string };
        nx: { targets: { serve: { command: string } } };
      };
      expect({ service, start: manifest.scripts.start }).toEqual({
        service,
        start: expect.stringContaining(expected),
      });
      expect({ service, serve: manifest.nx.targets.serve.command }).toEqual({
        service,
        serve: expect.stringContaining(expected),
      });
    }
  });
});
