import { expect } from 'expect';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..', '..');

/** A process that starts a long sleep through the reaper, prints its pid, and waits to be stopped. */
const parentScript = (group: boolean) => `
  const { spawn } = require('node:child_process');
  const { reapWithTestProcess } = require(${JSON.stringify(join(__dirname, 'child-reaper.ts'))});
  // With group: a child leading its own process group (as the launcher does); the whole group gets the signal
  // (SIGTERM here: a non-interactive shell's background job ignores SIGINT).
  const child = ${group}
    ? reapWithTestProcess(spawn('sh', ['-c', 'sleep 600 & echo GRANDCHILD $!; wait'], { stdio: ['ignore', 'inherit', 'ignore'], detached: true }), { signal: 'SIGTERM', group: true })
    : reapWithTestProcess(spawn('sleep', ['600'], { stdio: 'ignore' }));
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
  for (const [signal, group] of [
    ['SIGTERM', false],
    ['SIGINT', false],
    ['SIGTERM', true],
  ] as const) {
    it(`kills the children of a test process stopped with ${signal} (the runner's timeout)${group ? ', and a whole process group' : ''}`, async () => {
      const parent = spawn(
        process.execPath,
        ['--require', join(ROOT, 'scripts', 'ts-register.cjs'), '-e', parentScript(group)],
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
      if (group) {
        const grandchild = Number(/GRANDCHILD (\d+)/.exec(out)?.[1]);
        expect(grandchild).toBeGreaterThan(0);
        await waitFor('the whole group to be gone', () => Promise.resolve(!alive(grandchild) || null), {
          timeoutMs: 5000,
        });
      }
    });
  }
});
