#!/usr/bin/env node
// Runs every test (unit *.spec.ts beside the code, *.e2e-spec.ts under each app's test/) with Node's test
// runner against the real Postgres and Redis. Usage: npm test [-- path-filter ...]
// First brings the system tools the suite drives (scripts/preflight.mjs; FD_INSTALL_TOOLS=0 only checks).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeVersionProblem } from './node-version.mjs';
import { preflight } from './preflight.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', '.git', '.nx', '.data', 'results', 'coverage']);

const nodeProblem = nodeVersionProblem();
if (nodeProblem) process.stderr.write(`[test] ${nodeProblem.message}\n`);
if (nodeProblem?.fatal) process.exit(1);

// nginx, Prometheus, envsubst, ss: installed here when possible, else one line naming the command to run.
const tools = preflight('test', { log: (line) => process.stderr.write(`[test] ${line}\n`) });
if (!tools.ok) {
  process.stderr.write(`${tools.message}\n`);
  process.exit(1);
}

function findTests(dir, found = []) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, found);
    else if (/\.(e2e-)?spec\.ts$/.test(name)) found.push(relative(root, path));
  }
  return found;
}

const filters = process.argv.slice(2);
const files = ['libs', 'services', 'console', 'scripts', 'tests', 'gateway', 'infra', 'load', 'deploy']
  .filter((dir) => {
    try {
      return statSync(join(root, dir)).isDirectory();
    } catch {
      return false;
    }
  })
  .flatMap((dir) => findTests(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (files.length === 0) {
  process.stderr.write(`No test files match ${filters.join(' ')}\n`);
  process.exit(1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const args = [
  '--require',
  './scripts/ts-register.cjs',
  '--conditions=@food-delivery/source',
  '--enable-source-maps',
  '--test',
  `--test-concurrency=${concurrency}`,
  // Per file (the runner gives each file's process this long): the traffic generator's 2-minute run plus the start
  // of its services does not fit in 180 s on a busy 2-core machine.
  '--test-timeout=300000',
  ...(process.env.TEST_REPORTER ? [`--test-reporter=${process.env.TEST_REPORTER}`] : []),
  ...files,
];
const child = spawn(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
