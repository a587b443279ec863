import type { ChildProcess } from 'node:child_process';

/**
 * Processes a test file started (services, nginx, Prometheus, generators) die with it. When a file overruns its
 * timeout the test runner sends it SIGTERM and its `after` hooks never run: without this, the services it started
 * kept running (and kept their ports, CPU and connections) into the rest of the suite.
 */
export interface ReapOptions {
  /** SIGKILL unless the child must stop its own children (a launcher: SIGINT, as Ctrl-C). */
  signal?: NodeJS.Signals;
  /** The child leads a process group of its own (`detached: true`): signal the whole group. */
  group?: boolean;
}

const children = new Map<ChildProcess, ReapOptions>();
let installed = false;

function killAll(): void {
  for (const [child, { signal = 'SIGKILL', group = false }] of children) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
    try {
      if (group) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // gone already
    }
  }
}

/** Kills `child` if this process exits, or is told to stop (SIGTERM, SIGINT), before the child ended. */
export function reapWithTestProcess<T extends ChildProcess>(child: T, options: ReapOptions = {}): T {
  children.set(child, options);
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
