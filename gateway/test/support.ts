import { freePort, waitFor, reapWithTestProcess } from '@food-delivery/testing';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { renderGateway } from '../render.mjs';

export interface Gateway {
  url: string;
  dir: string;
  process: ChildProcess;
  /** The template variables it was rendered with (overrides only; the rest are render.mjs defaults). */
  variables: Record<string, string>;
  stop(): Promise<void>;
}

/** Runs the real nginx (Debian's) with the repo's template rendered for local ports. */
export async function startGateway(variables: Record<string, string>): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'fd-gateway-'));
  chmodSync(dir, 0o755); // nginx workers run as an unprivileged user when the master is root
  const port = await freePort();
  const rendered = {
    GATEWAY_PORT: String(port),
    GATEWAY_RUNTIME_DIR: dir,
    GATEWAY_ACCESS_LOG: join(dir, 'access.log'),
    GATEWAY_ERROR_LOG: join(dir, 'error.log'),
    GATEWAY_INTERNAL_LISTEN: `127.0.0.1:${await freePort()}`,
    ...variables,
  };
  const config = renderGateway(rendered);
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, config);
  execFileSync('nginx', ['-t', '-q', '-c', configPath, '-p', dir, '-g', 'daemon off;']);
  const child = reapWithTestProcess(
    spawn('nginx', ['-c', configPath, '-p', dir, '-g', 'daemon off;'], { stdio: 'ignore' }),
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor('nginx to listen', async () => (await fetch(`${url}/health`)).ok);
  return {
    url,
    dir,
    process: child,
    variables: rendered,
    stop: async () => {
      child.kill('SIGQUIT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends `head` (request line and headers, CRLF-separated, without the blank line) and `body` byte for byte over a
 * fresh TCP connection: fetch would normalise the path (dot segments, percent-encoding) before nginx sees it.
 */
export function rawRequest(port: number, head: string, body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${head.split('\r\n')[0]}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [headers, ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headers)?.[1] ?? 0);
      resolve({ status, headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`, 'latin1');
  });
}
