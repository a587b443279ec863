import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { freePort } from './service-process';
import { reapWithTestProcess } from './child-reaper';
import { waitFor } from './wait-for';

/** Repository root, found from this file (libs/testing/src or libs/testing/dist). */
const ROOT = resolve(__dirname, '..', '..', '..');

/** What the tests read of the generator's `GET /state` (the generator's own type has more). */
export interface TrafficStateBase {
  sessions: number;
  menus: unknown[];
}

export interface TrafficProcess<State extends TrafficStateBase = TrafficStateBase> {
  url: string;
  child: ChildProcess;
  output(): string;
  state(): Promise<State>;
  /** POST to the control API; the answer's status and JSON body. */
  post(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The generator's /metrics, as samples: `name{labels}` → value. */
  metrics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

/** Sums the samples of one metric whose labels include `labels`. */
export function sumOf(
  samples: Map<string, number>,
  name: string,
  labels: Record<string, string | RegExp> = {},
) {
  let total = 0;
  for (const [key, value] of samples) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?$/.exec(key);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    const fits = Object.entries(labels).every(([label, wanted]) =>
      typeof wanted === 'string' ? found[label] === wanted : wanted.test(found[label] ?? ''),
    );
    if (fits) total += value;
  }
  return total;
}

/**
 * The traffic generator as its own Node process, from its sources with its tracing preload, the way
 * `npm start -- --traffic` runs it. Resolves once its control API answers and the journeys run (or are paused).
 */
export async function startTrafficProcess<State extends TrafficStateBase = TrafficStateBase>(
  env: Record<string, string>,
): Promise<TrafficProcess<State>> {
  const port = await freePort();
  let output = '';
  const child = reapWithTestProcess(
    spawn(
      process.execPath,
      [
        '--require',
        join(ROOT, 'scripts', 'ts-register.cjs'),
        '--require',
        join(ROOT, 'load', 'traffic', 'instrumentation.ts'),
        '--conditions=@food-delivery/source',
        '--enable-source-maps',
        join(ROOT, 'load', 'traffic', 'main.ts'),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env, TRAFFIC_PORT: String(port), TRAFFIC_HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const traffic: TrafficProcess<State> = {
    url,
    child,
    output: () => output,
    state: async () => (await (await fetch(`${url}/state`)).json()) as State,
    post: async (path, body) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    metrics: async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const samples = new Map<string, number>();
      for (const line of text.split('\n')) {
        if (!line || line.startsWith('#')) continue;
        const at = line.lastIndexOf(' ');
        samples.set(line.slice(0, at), Number(line.slice(at + 1)));
      }
      return samples;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    await waitFor(
      'the traffic generator to start its journeys',
      async () => {
        if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
        const state = await traffic.state().catch(() => null);
        return Boolean(state && state.sessions > 0 && state.menus.length > 0);
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  } catch (error) {
    await traffic.stop();
    throw new Error(`${(error as Error).message}\n--- traffic generator output ---\n${output.slice(-4000)}`, {
      cause: error,
    });
  }
  return traffic;
}
