// The preflight of `npm test` and `npm run bench`: with a tool missing and installing impossible, the command
// stops at once with one line naming the command to run, before any test or service starts.
import { expect } from 'expect';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findExecutable, missingTools, NEEDS, packagesFor, preflight, TOOLS } from './preflight.mjs';

const root = join(__dirname, '..');

describe('preflight (scripts/preflight.mjs)', () => {
  // A PATH with node and nothing else.
  const bare = mkdtempSync(join(tmpdir(), 'fd-preflight-'));
  symlinkSync(process.execPath, join(bare, 'node'));
  chmodSync(bare, 0o755); // also for the run as `nobody`
  after(() => rmSync(bare, { recursive: true, force: true }));

  it('keeps one list: every needed command maps to the Debian package that ships it', () => {
    for (const command of [...NEEDS.test, ...NEEDS.bench]) expect(TOOLS[command]).toBeTruthy();
    expect(packagesFor(NEEDS.test)).toEqual([
      'nginx',
      'prometheus',
      'gettext-base',
      'iproute2',
      'kubectl',
      'chromium',
    ]);
    expect(packagesFor(NEEDS.bench)).toEqual(['wrk', 'postgresql-client']);
  });

  it('finds a tool only on the PATH it is given', () => {
    expect(missingTools(['node', 'nginx'], bare, [])).toEqual(['nginx']);
    expect(findExecutable('node', bare, [])).toBe(join(bare, 'node'));
  });

  it('names the exact command when installing is off, without running apt-get', () => {
    const result = preflight('test', { env: { PATH: bare, FD_INSTALL_TOOLS: '0' } });
    expect(result.ok).toBe(false);
    expect(result.message).toBe(
      'npm test needs nginx, prometheus, promtool, envsubst, ss, ip, kubectl, chromium (installing is off (FD_INSTALL_TOOLS=0)): ' +
        `run ${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y --no-install-recommends nginx prometheus gettext-base iproute2 kubectl chromium`,
    );
  });

  it(
    'installs what is missing with apt-get as root, waiting while another apt-get holds the lock',
    {
      skip: process.getuid?.() !== 0 && 'installs only as root',
    },
    () => {
      // A stand-in apt-get first in PATH (the real one is found there first too): busy once, then it "installs"
      // each tool the bench needs as an executable beside itself.
      const dir = mkdtempSync(join(tmpdir(), 'fd-preflight-apt-'));
      try {
        const calls = join(dir, 'calls.log');
        writeFileSync(
          join(dir, 'apt-get'),
          [
            '#!/bin/sh',
            `echo "$*" >> ${calls}`,
            'case "$*" in *install*) ;; *) exit 0 ;; esac',
            `if [ ! -e ${dir}/busy-once ]; then : > ${dir}/busy-once; echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1 (apt-get)" >&2; exit 100; fi`,
            `for tool in wrk pgbench; do printf '#!/bin/sh\n' > ${dir}/$tool; /bin/chmod +x ${dir}/$tool; done`,
          ].join('\n'),
        );
        chmodSync(join(dir, 'apt-get'), 0o755);
        const lines: string[] = [];
        const result = preflight('bench', {
          env: { PATH: dir },
          log: (line) => lines.push(line),
          lockRetryMs: 10,
        });
        expect(result).toEqual({ ok: true, installed: ['wrk', 'postgresql-client'] });
        const aptCalls = readFileSync(calls, 'utf8').trim().split('\n');
        expect(aptCalls).toEqual([
          expect.stringMatching(/ update -qq$/),
          expect.stringMatching(/ install -y -qq --no-install-recommends wrk postgresql-client$/),
          expect.stringMatching(/ install -y -qq --no-install-recommends wrk postgresql-client$/),
        ]);
        expect(lines).toEqual([
          'installing wrk postgresql-client for wrk, pgbench (apt-get)…',
          expect.stringMatching(/^apt-get is busy \(E: Could not get lock .*\); waiting…$/),
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('passes here: npm test brought what the suite needs before it started', () => {
    expect(preflight('test', { env: { ...process.env, FD_INSTALL_TOOLS: '0' } })).toEqual({
      ok: true,
      installed: [],
    });
  });

  /** Runs a command with the bare PATH; its output without the warning an older Node gets (node-version.mjs). */
  const runBare = (args: string[], env: Record<string, string> = {}) => {
    const run = spawnSync(join(bare, 'node'), args, {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: bare, HOME: tmpdir(), FD_INSTALL_TOOLS: '0', ...env },
      timeout: 60_000,
    });
    const withoutNodeWarning = (text: string) =>
      text
        .split('\n')
        .filter((line) => !/^\[(test|bench)\] warning: Node /.test(line))
        .join('\n');
    return {
      status: run.status,
      stdout: withoutNodeWarning(run.stdout),
      stderr: withoutNodeWarning(run.stderr),
    };
  };

  it('stops npm test at once with one line, before any test runs', () => {
    // The filter matches a real test file: had the preflight let it through, it would pass with exit 0.
    const run = runBare(['scripts/test.mjs', 'scripts/service-runtime.spec']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(
        'apt-get install -y --no-install-recommends nginx prometheus gettext-base iproute2',
      ),
    ]);
  });

  it('stops npm run bench at once with one line naming wrk and postgresql-client, before building', () => {
    const run = runBare(['load/benchmark/bench.mjs'], { BENCH_WRITE: '0' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^\[bench\] npm run bench needs wrk, pgbench \(.*\): run (sudo )?apt-get install -y --no-install-recommends wrk postgresql-client/,
      ),
    ]);
  });

  it(
    'as an ordinary user, asks for sudo instead of trying apt-get',
    { skip: process.getuid?.() !== 0 },
    () => {
      const run = spawnSync(join(bare, 'node'), ['scripts/preflight.mjs', 'test'], {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: `${bare}:/usr/bin:/bin`, HOME: tmpdir() },
        uid: 65534, // nobody
        gid: 65534,
        timeout: 60_000,
      });
      if (run.error || /EACCES|permission denied/i.test(run.stderr)) return; // the checkout is not readable by nobody
      // /usr/bin has prometheus and ss here but not nginx (in /usr/sbin): only nginx is named.
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toMatch(
        /needs nginx.*\(not root\): run sudo apt-get install -y --no-install-recommends nginx/,
      );
    },
  );
});
