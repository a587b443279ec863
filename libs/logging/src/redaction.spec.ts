import { expect } from 'expect';
import { describe, it } from 'node:test';
import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACTED_PATHS } from './logging.module';

describe('log redaction', () => {
  it('never writes passwords, tokens, keys or auth headers', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } }, sink);
    logger.info({
      req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1', 'x-chaos-key': 'k' } },
      body: { username: 'user', password: 'hunter2', access_token: 'abc.def.ghi', privateKey: 'PEM' },
    });
    logger.info({ token: 'tok.en.1', dto: { client_id: 'order-service', client_secret: 's3cret' } });
    logger.child({ password: 'bound-hunter2' }).info('child bindings are redacted too');
    const line = lines.join('');
    for (const secret of ['hunter2', 'abc.def.ghi', 'sid=1', '"k"', 'PEM', 'tok.en.1', 's3cret'])
      expect(line).not.toContain(secret);
    expect(line).toContain('"username":"user"');
    expect(line).toContain('"client_id":"order-service"');
    expect(line.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(9);
  });
});
