import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RemoteResponse {
  status: number;
  body: any; // parsed JSON, like request()
}

/**
 * Another host for the tests: a network namespace made by the test, joined to this one by a veth pair, so a
 * request from it reaches a service from a non-loopback address (what "someone on the network" looks like).
 * Needs root and iproute2's `ip`; `remotePeerUnavailable()` says why not.
 */
export interface RemotePeer {
  /** The address of this (the services') side of the link: listen on 0.0.0.0 and call this address. */
  hostAddress: string;
  /** The peer's own address: what the service sees as the caller. */
  peerAddress: string;
  /** A JSON request sent from inside the peer namespace (Node's fetch, in a child process there). */
  request(
    url: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<RemoteResponse>;
  remove(): Promise<void>;
}

/** Null when a remote peer can be made here, else the reason. */
export function remotePeerUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  return null;
}

const CLIENT = `
const [url, init] = [process.argv[1], JSON.parse(process.argv[2])];
fetch(url, init).then(async (res) => {
  const text = await res.text();
  let body = text;
  try { body = text ? JSON.parse(text) : undefined; } catch {}
  process.stdout.write(JSON.stringify({ status: res.status, body }));
}).catch((error) => { process.stderr.write(String(error)); process.exit(1); });
`;

export async function createRemotePeer(): Promise<RemotePeer> {
  const reason = remotePeerUnavailable();
  if (reason) throw new Error(`Cannot create a remote peer: ${reason}`);
  // Short names (interface names have 15 characters at most) and a random /30 in 10.213.0.0/16, so test files
  // running at once do not collide.
  const id = `${process.pid % 10000}${randomInt(100, 999)}`;
  const namespace = `fdpeer${id}`;
  const [hostSide, peerSide] = [`fdh${id}`, `fdp${id}`];
  const block = randomInt(0, 16384) * 4;
  const base = `10.213.${Math.floor(block / 256)}`;
  const hostAddress = `${base}.${(block % 256) + 1}`;
  const peerAddress = `${base}.${(block % 256) + 2}`;
  const ip = (...args: string[]) => run('ip', args);
  const inPeer = (...args: string[]) => run('ip', ['netns', 'exec', namespace, ...args]);
  const remove = async () => {
    await ip('netns', 'del', namespace).catch(() => undefined);
    await ip('link', 'del', hostSide).catch(() => undefined);
  };
  try {
    await ip('netns', 'add', namespace);
    await ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', peerSide);
    await ip('link', 'set', peerSide, 'netns', namespace);
    await ip('addr', 'add', `${hostAddress}/30`, 'dev', hostSide);
    await ip('link', 'set', hostSide, 'up');
    await inPeer('ip', 'addr', 'add', `${peerAddress}/30`, 'dev', peerSide);
    await inPeer('ip', 'link', 'set', peerSide, 'up');
    await inPeer('ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    hostAddress,
    peerAddress,
    async request(url, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      let body: string | undefined;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const method = init.method ?? (body !== undefined ? 'POST' : 'GET');
      const { stdout } = await inPeer(
        process.execPath,
        '-e',
        CLIENT,
        url,
        JSON.stringify({ method, headers, body }),
      );
      return JSON.parse(stdout) as RemoteResponse;
    },
    remove,
  };
}
