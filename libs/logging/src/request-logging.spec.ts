import { expect } from 'expect';
import Fastify, { type FastifyInstance } from 'fastify';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import { installRequestLogging, skipRequestLine } from './request-logging';
import { setRequestTelemetry } from './request-telemetry';

describe('request logging', () => {
  const lines: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  // The root logger decides the level; the request lines go through their own logger (no redaction, no mixin).
  const logger = pino({ level: 'info' }, sink);
  const requestLines = pino({ level: 'info', messageKey: 'msg' }, sink);
  let app: FastifyInstance;

  before(async () => {
    app = Fastify({ genReqId: () => 'req-1' });
    app.addHook('onRequest', (request, _reply, done) => {
      if (request.url.startsWith('/menus')) {
        setRequestTelemetry(request.raw, {
          route: '/menus/:id',
          trace_id: 'a'.repeat(32),
          span_id: 'b'.repeat(16),
        });
      }
      done();
    });
    installRequestLogging(app, logger, requestLines);
    installRequestLogging(app, logger, requestLines); // a second install adds nothing
    app.get('/menus/:id', () => ({ id: 1 }));
    app.get('/boom', (_request, reply) => reply.code(503).send({ code: 'OVERLOADED' }));
    app.get('/health/live', () => ({ status: 'ok' }));
    app.get('/metrics', () => '');
    app.get('/shed', (request, reply) => {
      skipRequestLine(request.raw);
      return reply.code(503).send({ code: 'OVERLOADED' });
    });
    await app.ready();
  });
  after(() => app.close());
  beforeEach(() => {
    lines.length = 0;
    logger.level = 'info';
  });

  it('writes one line per request with request id, route template, trace ids, status and duration', async () => {
    await app.inject({ url: '/menus/1', headers: { 'user-agent': 'k6', authorization: 'Bearer secret' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'req-1', method: 'GET', url: '/menus/1', headers: { 'user-agent': 'k6' } },
      route: '/menus/:id',
      trace_id: 'a'.repeat(32),
      span_id: 'b'.repeat(16),
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    // Only allow-listed headers are ever written.
    expect(JSON.stringify(lines[0])).not.toContain('secret');
  });

  it('logs 4xx at warn and 5xx at error as "request errored"; unmatched routes are named so', async () => {
    await app.inject({ url: '/nope/12' });
    await app.inject({ url: '/boom' });
    expect(lines.map((line) => [line.level, line.msg, line.res.statusCode, line.route])).toEqual([
      [40, 'request completed', 404, 'unmatched'],
      [50, 'request errored', 503, '/boom'],
    ]);
  });

  it('skips probes, scrapes, requests marked as skipped, and lines below the logger level', async () => {
    await app.inject({ url: '/health/live' });
    await app.inject({ url: '/metrics' });
    await app.inject({ url: '/shed' });
    logger.level = 'warn';
    await app.inject({ url: '/menus/1' });
    await app.inject({ url: '/nope' });
    expect(lines.map((line) => line.res.statusCode)).toEqual([404]);
  });
});
