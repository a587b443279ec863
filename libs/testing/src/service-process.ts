import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { reapWithTestProcess } from './child-reaper';
import { waitFor } from './wait-for';

/** Repository root, found from this file (libs/testing/src or libs/testing/dist). */
const ROOT = resolve(__dirname, '..', '..', '..');

export interface ServiceProcess {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process printed (JSON log lines), for assertions and failure messages. */
  output(): string;
  /** Graceful stop (SIGTERM), waiting for exit. */
  stop(): Promise<void>;
  /** Hard crash (SIGKILL), as in "the process died mid-flow". */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * Runs a service as its own Node process from its TypeScript sources (services/<dir>/src/main.ts, with its
 * src/instrumentation.ts preloaded when it has one), the way it runs in production but without a build: real
 * HTTP between real processes, and a process that a test can SIGKILL. Resolves once /health/ready answers 200.
 */
export async function startServiceProcess(
  dir: 'user' | 'restaurant' | 'order',
  env: Record<string, string>,
  options: {
    readyTimeoutMs?: number;
    /** A file to `--require` instead of the service's own src/instrumentation.ts. */
    preload?: string;
  } = {},
): Promise<ServiceProcess> {
  const port = env.PORT && env.PORT !== '0' ? Number(env.PORT) : await freePort();
  const main = join(ROOT, 'services', dir, 'src', 'main.ts');
  if (!existsSync(main)) throw new Error(`No such service: ${main}`);
  // The service's tracing preload, as in production (`node --require dist/instrumentation.js dist/main.js`):
  // without OTEL_* settings it exports nothing but still propagates trace ids.
  const instrumentation = options.preload ?? join(ROOT, 'services', dir, 'src', 'instrumentation.ts');
  const preload = existsSync(instrumentation) ? ['--require', instrumentation] : [];
  let output = '';
  const child = reapWithTestProcess(
    spawn(
      process.execPath,
      [
        '--require',
        join(ROOT, 'scripts', 'ts-register.cjs'),
        ...preload,
        '--conditions=@food-delivery/source',
        '--enable-source-maps',
        main,
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    name: dir,
    url,
    port,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await waitFor(
      `${dir} service to be ready on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
        const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) });
        return response.ok;
      },
      { timeoutMs: options.readyTimeoutMs ?? 60_000, intervalMs: 100 },
    );
  } catch (error) {
    await service.kill();
    throw new Error(`${(error as Error).message}\n--- ${dir} output ---\n${output.slice(-4000)}`, {
      cause: error,
    });
  }
  return service;
}
