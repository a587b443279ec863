import { startOtlpReceiver, type OtlpReceiver } from '@food-delivery/testing';
import { expect } from 'expect';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..', '..');

describe('DownstreamClient with tracing on (a real process, a real OTLP receiver)', () => {
  let receiver: OtlpReceiver;
  let server: Server;
  let baseUrl: string;
  const traceparents: (string | undefined)[] = [];

  before(async () => {
    receiver = await startOtlpReceiver();
    server = createServer((request, response) => {
      traceparents.push(request.headers.traceparent as string | undefined);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server?.close();
    await receiver?.close();
  });

  it('sends a W3C traceparent on the outbound call and exports its client span', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--require',
        join(ROOT, 'scripts', 'ts-register.cjs'),
        '--require',
        join(__dirname, 'fixtures', 'instrumentation.ts'),
        '--conditions=@food-delivery/source',
        join(__dirname, 'fixtures', 'traced-call.ts'),
        baseUrl,
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        },
        timeout: 30_000,
      },
    );
    const { trace_id: traceId } = JSON.parse(stdout.trim()) as { trace_id: string };
    expect(traceparents).toHaveLength(1);
    const [, traceparentId, parentSpanId] =
      /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparents[0] ?? '') ?? [];
    expect(traceparentId).toBe(traceId);

    const spans = await receiver.waitForSpans('the client span', (all) =>
      all.some((span) => span.kind === 3),
    );
    const client = spans.find((span) => span.kind === 3)!;
    expect([client.traceId, client.spanId, client.service]).toEqual([
      traceId,
      parentSpanId,
      'outbound-probe',
    ]);
    expect(spans.find((span) => span.name === 'probe.call')?.spanId).toBe(client.parentSpanId);
  });
});
