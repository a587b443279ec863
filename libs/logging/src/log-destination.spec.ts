import { expect } from 'expect';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { register } from 'prom-client';
import { createLogDestination } from './log-destination';

const droppedTotal = async () =>
  (await register.getSingleMetric('log_lines_dropped_total')!.get()).values[0]?.value ?? 0;

describe('log destination', () => {
  it('drops and counts lines beyond its buffer when the reader stops, instead of growing without bound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-log-'));
    const fifo = join(dir, 'stdout');
    execFileSync('mkfifo', [fifo]);
    // Opened read-write so nothing blocks on open; nobody reads, so the pipe fills and the writes stall.
    const fd = openSync(fifo, 'r+');
    const destination = createLogDestination(fd, 64 * 1024);
    const before = await droppedTotal();
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 512; i += 1) destination.write(line);
    await sleep(50);
    const dropped = (await droppedTotal()) - before;
    // 512 KB written: the pipe (64 KB) and the buffer (64 KB) hold a quarter at most; the rest was dropped.
    expect(dropped).toBeGreaterThan(256);
    expect(dropped).toBeLessThan(512);

    // A reader again (non-blocking, so the loop below never waits on an empty pipe): the stalled write completes
    // and the stream ends.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const chunk = Buffer.alloc(64 * 1024);
    const ended = new Promise((resolve) =>
      (destination as unknown as NodeJS.EventEmitter).once('finish', resolve),
    );
    (destination as unknown as { end(): void }).end();
    while (!(await Promise.race([ended.then(() => true), sleep(10).then(() => false)]))) {
      try {
        readSync(reader, chunk, 0, chunk.length, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
    }
    closeSync(reader);
    rmSync(dir, { recursive: true, force: true });
  });
});
