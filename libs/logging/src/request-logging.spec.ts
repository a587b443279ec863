import { expect } from 'expect';
import Fastify, { type FastifyInstance } from 'fastify';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import { lineFormat } from './line-format';
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
  const base = { service: 'menu-service', instance: 'menu-1' };
  // The root logger decides the level; the request lines are written to the same destination.
  const logger = pino({ level: 'info', ...lineFormat(base) }, sink);
  const text: string[] = [];
  const destination = {
    write(line: string) {
      text.push(line);
      sink.write(line);
    },
  };
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
    installRequestLogging(app, { logger, destination, base });
    installRequestLogging(app, { logger, destination, base }); // a second install adds nothing
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
    text.length = 0;
    logger.level = 'info';
  });

  it('writes one line per request with request id, route template, trace ids, status and duration', async () => {
    await app.inject({ url: '/menus/1', headers: { 'user-agent': 'k6', authorization: 'Bearer secret' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'menu-service',
      instance: 'menu-1',
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
      ['warn', 'request completed', 404, 'unmatched'],
      ['error', 'request errored', 503, '/boom'],
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

  it('writes exactly what pino writes with the service line format for the same fields, whatever the input', async () => {
    // What HTTP lets through in a header value (Node decodes its bytes as latin1), and raw text in the URL.
    const odd = ['k6 "quoted" \\ back', 'tab\there', 'caf\u00e9 \u00ff', '{"json":[1]}'];
    for (const value of odd) {
      for (const withTrace of [true, false]) {
        text.length = 0;
        const url = `${withTrace ? '/menus/1' : '/nope'}?q=${value}&u=${encodeURIComponent('한국어 🍜')}`;
        await app.inject({ url, headers: { 'user-agent': value, 'x-request-id': `${value}-id` } });
        expect(text).toHaveLength(1);
        const written = JSON.parse(text[0]);
        // The same fields through pino with the service's line format, in the same millisecond.
        let expected = '';
        const reference = pino(
          { level: 'info', ...lineFormat(base) },
          {
            write: (line: string) => (expected = line),
          },
        );
        const {
          level: _level,
          time: _time,
          service: _service,
          instance: _instance,
          msg,
          ...fields
        } = written;
        reference[written.level as 'info' | 'warn'](fields, msg);
        const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"-"');
        expect(withoutTime(text[0])).toBe(withoutTime(expected));
        expect(written.req.headers).toEqual({ 'user-agent': value, 'x-request-id': `${value}-id` });
        expect(written.route).toBe(withTrace ? '/menus/:id' : 'unmatched');
        if (!withTrace) expect('trace_id' in written).toBe(false);
      }
    }
  });

  it('leaves out headers the request did not send', async () => {
    await app.inject({ url: '/menus/2', headers: { 'user-agent': undefined } });
    expect(lines[0].req.headers).toEqual({});
    expect(text[0]).toContain('"headers":{}');
  });
});
