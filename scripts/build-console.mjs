#!/usr/bin/env node
// Builds the console's page (console/web → console/dist, Vite) when it is missing or older than its sources:
// what `npm start` runs before it starts the console. A fresh build is skipped in a few milliseconds.
// Usage: node scripts/build-console.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const consoleDir = join(root, 'console');
const output = join(consoleDir, 'dist', 'index.html');

/** The newest modification time under `path` (files only), 0 when there is nothing. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), 0);
}

/** True when console/dist is missing or older than a source of the page. */
export function consoleBuildStale() {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  const sources = ['web', 'shared', 'vite.config.mjs', 'package.json'].map((part) =>
    newest(join(consoleDir, part)),
  );
  return Math.max(...sources) > built;
}

/** Runs Vite; returns { ok, built, message }. */
export function buildConsole({ force = false } = {}) {
  if (!force && !consoleBuildStale()) return { ok: true, built: false, message: 'up to date' };
  let vite;
  try {
    vite = join(
      createRequire(join(consoleDir, 'package.json')).resolve('vite/package.json'),
      '..',
      'bin',
      'vite.js',
    );
  } catch {
    return { ok: false, built: false, message: 'vite is not installed (npm ci)' };
  }
  const run = spawnSync(process.execPath, [vite, 'build', '--config', 'vite.config.mjs'], {
    cwd: consoleDir,
    encoding: 'utf8',
  });
  if (run.status !== 0) return { ok: false, built: false, message: `${run.stderr}${run.stdout}`.trim() };
  return { ok: true, built: true, message: 'built' };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = buildConsole({ force: process.argv.includes('--force') });
  process.stdout.write(`[console] ${result.message}\n`);
  if (!result.ok) process.exit(1);
}
