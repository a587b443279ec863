import { expect } from 'expect';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..', '..');

/** A process that starts a long sleep through the reaper, prints its pid, and waits to be stopped. */
const parentScript = `
  const { spawn } = require('node:child_process');
  const { reapWithTestProcess } = require(${JSON.stringify(join(__dirname, 'child-reaper.ts'))});
  const child = reapWithTestProcess(spawn('sleep', ['600'], { stdio: 'ignore' }));
  process.stdout.write('CHILD ' + child.pid + '\\n');
  setInterval(() => {}, 1000);
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('reapWithTestProcess', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`kills the children of a test process stopped with ${signal} (the runner's timeout)`, async () => {
      const parent = spawn(
        process.execPath,
        ['--require', join(ROOT, 'scripts', 'ts-register.cjs'), '-e', parentScript],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const pid = await waitFor('the child to start', () =>
        Promise.resolve(Number(/CHILD (\d+)/.exec(out)?.[1]) || null),
      );
      expect(alive(pid)).toBe(true);
      const exited = new Promise<number | null>((done) => parent.once('exit', (code) => done(code)));
      parent.kill(signal);
      expect(await exited).toBe(signal === 'SIGTERM' ? 143 : 130);
      await waitFor('the child to be gone', () => Promise.resolve(!alive(pid) || null), { timeoutMs: 5000 });
    });
  }
});
