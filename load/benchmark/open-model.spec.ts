import { expect } from 'expect';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

/** Runs open-model.mjs and returns its OPEN_RESULT. */
function runOpenModel(url: string, env: Record<string, string>) {
  return new Promise<{
    sent: number;
    confirmed: number;
    errors: number;
    latency: { p50: number; p99: number; max: number };
    serviceTime: { p50: number; p99: number };
  }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'open-model.mjs'), url], {
      env: { PATH: process.env.PATH ?? '', TOKEN: 'x', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('OPEN_RESULT '));
      if (code !== 0 || !line) reject(new Error(`open-model exited ${code}: ${err}`));
      else resolve(JSON.parse(line.slice('OPEN_RESULT '.length)));
    });
  });
}

describe('open-model generator', () => {
  let server: Server;
  let url: string;
  let answered = 0;

  before(async () => {
    // Answers an order at once, except the first, which stalls 400 ms: a closed-loop client on one connection
    // would send nothing meanwhile and never see the requests that were due during the stall.
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const answer = () => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end('{"id":1,"status":"CONFIRMED"}');
        };
        answered += 1;
        if (answered === 1) setTimeout(answer, 400);
        else answer();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
  });

  after(() => new Promise<void>((done) => server.close(() => done())));

  it('sends on schedule and counts the wait behind a stall from each due time', async () => {
    const result = await runOpenModel(url, { RATE: '100', DURATION_S: '1', MAX_IN_FLIGHT: '1' });
    expect(result.sent).toBe(100);
    expect(result.confirmed).toBe(100);
    expect(result.errors).toBe(0);
    // ~40 requests were due during the 400 ms stall and waited for the one connection: from their due time they
    // took up to ~400 ms, so the p99 sees the stall; counted from their actual send they were fast.
    expect(result.latency.max).toBeGreaterThanOrEqual(390);
    expect(result.latency.p99).toBeGreaterThan(300);
    expect(result.serviceTime.p50).toBeLessThan(100);
    expect(result.serviceTime.p99).toBeLessThan(100); // what a closed-loop tool would have reported
  });
});
