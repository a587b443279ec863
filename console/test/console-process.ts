import { freePort, waitFor, reapWithTestProcess } from '@food-delivery/testing';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

export interface ConsoleProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Builds the page (Vite, under a second) when console/dist has none, as `npm start` does. */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(ROOT, 'console', 'dist', 'index.html'))) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs'), '--force'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`console build failed: ${build.stderr}${build.stdout}`);
}

/** The console server as its own process, from its sources, the way `npm start` runs it. */
export async function startConsoleProcess(env: Record<string, string>): Promise<ConsoleProcess> {
  ensureConsoleBuilt();
  const port = env.CONSOLE_PORT ? Number(env.CONSOLE_PORT) : await freePort();
  let output = '';
  const child = reapWithTestProcess(
    spawn(
      process.execPath,
      [
        '--require',
        join(ROOT, 'scripts', 'ts-register.cjs'),
        '--conditions=@food-delivery/source',
        '--enable-source-maps',
        join(ROOT, 'console', 'server', 'main.ts'),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env, CONSOLE_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `the console on ${url}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`the console exited: ${output}`);
      return (await fetch(`${url}/api/config`).catch(() => null))?.ok;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  return {
    url,
    port,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface GeneratorState {
  running: boolean;
  rate: number;
  mix: Record<string, number>;
  sessions: number;
  menus: number[];
}
