#!/usr/bin/env node
// The system tools `npm test` and `npm run bench` drive for real, in one list. Before either runs, the missing
// ones are installed with apt-get when that is possible (root, Debian/Ubuntu) and otherwise the command stops at
// once with one line naming the command to run, instead of failing deep inside a test.
// FD_INSTALL_TOOLS=0 never installs (only checks). Usage: node scripts/preflight.mjs <test|bench>
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** command → the Debian package that ships it. */
export const TOOLS = {
  nginx: 'nginx', // the gateway tests, and npm start's local gateway
  prometheus: 'prometheus', // the observability tests run the real Prometheus…
  promtool: 'prometheus', // …and validate its configuration and rules
  envsubst: 'gettext-base', // renders the gateway template like the nginx image does
  ss: 'iproute2', // reads a listening socket's accept-queue size
  ip: 'iproute2', // network namespaces: a caller from another address (libs/testing remote-peer.ts)
  kubectl: 'kubectl', // renders the Kubernetes overlays (kubectl kustomize)
  chromium: 'chromium', // the browser tests: the console, the original frontend's request patterns (playwright-core)
  wrk: 'wrk', // the benchmark's HTTP load
  pgbench: 'postgresql-client', // the benchmark's database reference (Debian: postgresql-client-common's wrapper)
};

/** What each command needs. */
export const NEEDS = {
  test: ['nginx', 'prometheus', 'promtool', 'envsubst', 'ss', 'ip', 'kubectl', 'chromium'],
  bench: ['wrk', 'pgbench'],
};

/** What apt-get says when another apt-get or dpkg holds its lock. */
const APT_LOCKED = /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock/;

/** nginx lives in /usr/sbin, which an ordinary user's PATH often lacks. */
const SYSTEM_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** The absolute path of `command` on `path` (then the sbin folders), or null. */
export function findExecutable(command, path = process.env.PATH ?? '', extraDirs = SYSTEM_DIRS) {
  for (const dir of [...path.split(delimiter), ...extraDirs]) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export function missingTools(commands, path = process.env.PATH ?? '', extraDirs = SYSTEM_DIRS) {
  return commands.filter((command) => !findExecutable(command, path, extraDirs));
}

export const packagesFor = (commands) => [...new Set(commands.map((command) => TOOLS[command]))];

export const installCommand = (packages, root = true) =>
  `${root ? '' : 'sudo '}apt-get install -y --no-install-recommends ${packages.join(' ')}`;

/**
 * Checks (and when it can, installs) what `purpose` needs. Returns { ok, message, installed }: `message` is the
 * one line to print when not ok. Only `env.PATH` counts: the tests and the benchmark run the tools by name.
 */
export function preflight(
  purpose,
  {
    env = process.env,
    log = () => undefined,
    extraDirs = [],
    lockWaitMs = 300_000,
    lockRetryMs = 3_000,
  } = {},
) {
  const needed = NEEDS[purpose];
  if (!needed) throw new Error(`unknown preflight ${purpose} (one of ${Object.keys(NEEDS).join(', ')})`);
  const path = env.PATH ?? '';
  let missing = missingTools(needed, path, extraDirs);
  if (missing.length === 0) return { ok: true, installed: [] };
  const packages = packagesFor(missing);
  const root = process.getuid?.() === 0;
  // apt-get is used by its absolute path: a PATH without /usr/bin must not hide it.
  const apt = findExecutable('apt-get', path, ['/usr/bin', '/bin']);
  const why =
    env.FD_INSTALL_TOOLS === '0'
      ? 'installing is off (FD_INSTALL_TOOLS=0)'
      : !apt
        ? 'no apt-get here'
        : !root
          ? 'not root'
          : null;
  if (!why) {
    log(`installing ${packages.join(' ')} for ${missing.join(', ')} (apt-get)…`);
    // Another apt-get or dpkg (another checkout's `npm test`, an unattended upgrade) holds the lock for a while:
    // wait for it instead of failing.
    const run = (args) => {
      const deadline = Date.now() + lockWaitMs;
      for (;;) {
        const result = spawnSync(
          apt,
          ['-o', `DPkg::Lock::Timeout=${Math.ceil(lockWaitMs / 1000)}`, ...args],
          {
            encoding: 'utf8',
            env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        if (result.status === 0 || !APT_LOCKED.test(result.stderr ?? '') || Date.now() >= deadline)
          return result;
        log(`apt-get is busy (${result.stderr.trim().split('\n').pop()}); waiting…`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, lockRetryMs);
      }
    };
    const update = run(['update', '-qq']);
    const install =
      update.status === 0 ? run(['install', '-y', '-qq', '--no-install-recommends', ...packages]) : update;
    missing = missingTools(needed, path, extraDirs);
    if (install.status === 0 && missing.length === 0) return { ok: true, installed: packages };
    const detail = (install.stderr || install.stdout || '').trim().split('\n').pop();
    return {
      ok: false,
      installed: [],
      message: `npm ${purpose === 'test' ? 'test' : 'run bench'} needs ${missing.join(', ')}; apt-get failed (${detail}): run ${installCommand(packagesFor(missing))}`,
    };
  }
  return {
    ok: false,
    installed: [],
    message:
      `npm ${purpose === 'test' ? 'test' : 'run bench'} needs ${missing.join(', ')} (${why}): run ` +
      `${installCommand(packages, root)}${apt ? '' : ' (or your system’s package manager)'}`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const purpose = process.argv[2] ?? 'test';
  const result = preflight(purpose, { log: (line) => process.stderr.write(`[preflight] ${line}\n`) });
  if (!result.ok) {
    process.stderr.write(`${result.message}\n`);
    process.exit(1);
  }
}
