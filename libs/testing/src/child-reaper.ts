import type { ChildProcess } from 'node:child_process';

/**
 * Processes a test file started (services, nginx, Prometheus, generators) die with it. When a file overruns its
 * timeout the test runner sends it SIGTERM and its `after` hooks never run: without this, the services it started
 * kept running (and kept their ports, CPU and connections) into the rest of the suite.
 */
const children = new Set<ChildProcess>();
let installed = false;

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Kills `child` if this process exits, or is told to stop (SIGTERM, SIGINT), before the child ended. */
export function reapWithTestProcess<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!installed) {
    installed = true;
    process.on('exit', killAll);
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      process.once(signal, () => {
        killAll();
        process.exit(code);
      });
    }
  }
  return child;
}
