import { expect } from 'expect';
import { describe, it } from 'node:test';
import { JsonDiagLogger } from './diag-logger';

describe('OpenTelemetry diagnostics logger', () => {
  it('writes JSON lines like the service logs, each distinct message once per window', () => {
    const lines: string[] = [];
    let now = 1_000_000;
    const logger = new JsonDiagLogger(
      { service: 'user-service', instance: 'u-1' },
      (line) => lines.push(line),
      60_000,
      () => now,
    );
    // The SDK's global error handler passes the error as JSON text, stack and all.
    const failure = JSON.stringify({
      stack: 'Error: connect ECONNREFUSED 127.0.0.1:4318\n    at TCPConnectWrap.afterConnect',
      message: 'connect ECONNREFUSED 127.0.0.1:4318',
      code: 'ECONNREFUSED',
    });
    for (let i = 0; i < 50; i++) logger.error(failure);
    logger.warn('another problem');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]);
    expect(first).toMatchObject({
      level: 'warn',
      service: 'user-service',
      instance: 'u-1',
      context: 'OpenTelemetry',
    });
    expect(first.msg).toBe('connect ECONNREFUSED 127.0.0.1:4318');

    now += 61_000;
    logger.error(failure);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]).suppressed).toBe(49);
  });
});
