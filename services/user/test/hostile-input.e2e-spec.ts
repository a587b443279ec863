import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import { createTestStack, request, type RunningService, type TestStack } from '@food-delivery/testing';
import { Client } from 'pg';
import { createUserApp } from '../src/app';

/** Sends raw bytes and returns the whole answer (the server closes the connection, or `Connection: close`). */
function rawHttp(url: string, bytes: string | Buffer): Promise<{ status: number; body: any; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      let body: unknown = rest.join('\r\n\r\n');
      try {
        body = JSON.parse(body as string);
      } catch {
        // not JSON: kept as text for the failure message
      }
      resolve({ status, body, text });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.write(bytes);
  });
}

/** The common error shape with this status and code (`detail` repeats `message`, FastAPI's name for it). */
const errorShape = (statusCode: number, code: string | RegExp) => ({
  statusCode,
  code: typeof code === 'string' ? code : expect.stringMatching(code),
  message: expect.any(String),
  detail: expect.any(String),
  traceId: expect.stringMatching(/.+/),
});

describe('user service under hostile input (real Postgres + Redis, real HTTP)', () => {
  let stack: TestStack;
  let service: RunningService;
  let pg: Client;
  let token: string;

  const countUsers = async () => Number((await pg.query('SELECT count(*) FROM "user".users')).rows[0].count);
  const postJson = (path: string, raw: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: raw,
    }).then(async (response) => {
      const text = await response.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      return { status: response.status, body };
    });

  before(async () => {
    stack = await createTestStack('user_hostile');
    service = await stack.start(createUserApp);
    pg = new Client({ connectionString: stack.db.url });
    await pg.connect();
    token = (await request(`${service.url}/login`, { body: { username: 'user', password: 'pass' } })).body
      .access_token;
  });

  after(async () => {
    await pg?.end();
    await stack?.teardown();
  });

  describe('bounded bodies', () => {
    it('refuses a 0.5 MB body of 50 000 unknown keys with 413 before parsing it', async () => {
      const keys = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 1]));
      const res = await postJson('/login', JSON.stringify({ username: 'user', password: 'pass', ...keys }));
      expect([res.status, res.body]).toEqual([413, errorShape(413, 'PAYLOAD_TOO_LARGE')]);
    });

    it('refuses an object of more keys than allowed within the size limit with 400 BODY_TOO_COMPLEX', async () => {
      const keys = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, 1]));
      const raw = JSON.stringify({ username: 'user', password: 'pass', ...keys });
      expect(raw.length).toBeLessThan(16 * 1024);
      const res = await postJson('/login', raw);
      expect([res.status, res.body]).toEqual([400, errorShape(400, 'BODY_TOO_COMPLEX')]);
    });

    it('refuses a form of more fields than allowed with 400 BODY_TOO_COMPLEX', async () => {
      const raw =
        'username=user&password=pass&' + Array.from({ length: 1500 }, (_, i) => `k${i}=1`).join('&');
      const res = await postJson('/login', raw, { 'content-type': 'application/x-www-form-urlencoded' });
      expect([res.status, res.body]).toEqual([400, errorShape(400, 'BODY_TOO_COMPLEX')]);
    });

    for (const [name, raw] of [
      ['deeply nested arrays', '['.repeat(5000) + ']'.repeat(5000)],
      ['deeply nested objects', '{"a":'.repeat(2000) + '1' + '}'.repeat(2000)],
      [
        'nesting one level beyond the limit',
        JSON.stringify({ username: [[[[[[[['x']]]]]]]], password: 'p' }),
      ],
    ]) {
      it(`refuses ${name} with 400 BODY_TOO_COMPLEX (was a stack overflow → 500)`, async () => {
        for (const path of ['/login', '/signup', '/token', '/chaos/delay']) {
          const res = await postJson(path, raw);
          expect([path, res.status, res.body]).toEqual([path, 400, errorShape(400, 'BODY_TOO_COMPLEX')]);
        }
      });
    }
  });

  describe('bad characters and numbers are 400, never 500, never a write', () => {
    const bad: [string, string, string, string, RegExp][] = [
      [
        'a NUL in the login username',
        '/login',
        '{"username":"us\\u0000er","password":"pass"}',
        'VALIDATION_FAILED',
        /NUL/,
      ],
      [
        'a NUL in the signup name',
        '/signup',
        '{"username":"nul1","password":"pass1","name":"a\\u0000b"}',
        'VALIDATION_FAILED',
        /NUL/,
      ],
      [
        'a NUL in a key',
        '/signup',
        '{"username":"nul2","password":"pass1","\\u0000":1}',
        'VALIDATION_FAILED',
        /NUL/,
      ],
      [
        'a lone surrogate in the signup email',
        '/signup',
        '{"username":"sur1","password":"pass1","email":"a\\ud800@example.com"}',
        'INVALID_JSON',
        /surrogate/,
      ],
      [
        'a lone low surrogate',
        '/signup',
        '{"username":"sur2","password":"pass1","name":"\\udc00"}',
        'INVALID_JSON',
        /surrogate/,
      ],
      [
        'a number beyond safe integers',
        '/validate',
        '{"user_id":9007199254740993}',
        'VALIDATION_FAILED',
        /beyond/,
      ],
      ['a number beyond doubles', '/validate', '{"user_id":1e400}', 'VALIDATION_FAILED', /out of range/],
      [
        'an exponent-form fraction on a chaos knob',
        '/chaos/delay',
        '{"delay_ms":1,"percent":1e-7}',
        'VALIDATION_FAILED',
        /too small/,
      ],
      [
        'a __proto__ key',
        '/signup',
        '{"username":"proto","password":"pass1","__proto__":{"x":1}}',
        'INVALID_JSON',
        /forbidden/,
      ],
    ];
    for (const [name, path, raw, code, message] of bad) {
      it(`refuses ${name} with 400 ${code}`, async () => {
        const usersBefore = await countUsers();
        const res = await postJson(path, raw);
        expect([res.status, res.body]).toMatchObject([400, errorShape(400, code)]);
        expect(res.body.message).toMatch(message);
        expect(await countUsers()).toBe(usersBefore);
      });
    }

    it('refuses {"fail_percent"-like} exponent fractions on every knob of the service', async () => {
      for (const raw of ['{"delay_ms":1,"jitter_ms":0,"percent":1e-7}', '{"enable":true,"percent":1e-7}']) {
        const path = raw.includes('enable') ? '/chaos/error' : '/chaos/delay';
        const res = await postJson(path, raw);
        expect([path, res.status, res.body.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
      }
      expect((await request(`${service.url}/chaos`)).body.faults).toEqual([]);
    });

    it('refuses a body that is not UTF-8 with 400 INVALID_JSON', async () => {
      const raw = Buffer.concat([
        Buffer.from('{"username":"utf'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('","password":"pass1"}'),
      ]);
      const usersBefore = await countUsers();
      const res = await postJson('/signup', raw);
      expect([res.status, res.body]).toEqual([400, errorShape(400, 'INVALID_JSON')]);
      expect(res.body.message).toMatch(/UTF-8/);
      expect(await countUsers()).toBe(usersBefore);
    });

    it('still accepts ordinary fractions and exponent-form integers', async () => {
      const res = await postJson('/chaos/delay', '{"delay_ms":1e0,"percent":0.5,"ttl_s":60}');
      expect(res.status).toBe(200);
      expect((await request(`${service.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
    });
  });

  describe('bodiless requests', () => {
    it('takes DELETE /chaos with Content-Type: application/json and no body (was 400 INVALID_JSON)', async () => {
      const res = await fetch(`${service.url}/chaos`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(200);
    });

    it('takes DELETE /chaos with {} and with an empty body of any Content-Type', async () => {
      for (const [type, body] of [
        ['application/json', '{}'],
        ['text/plain', ''],
        ['application/octet-stream', ''],
      ]) {
        const res = await fetch(`${service.url}/chaos`, {
          method: 'DELETE',
          headers: { 'content-type': type },
          body,
        });
        expect([type, res.status]).toEqual([type, 200]);
      }
    });

    it("answers a bodiless POST that the original frontend's proxy re-sends as {} after Content-Length: 0", async () => {
      // Its express proxy parses the browser's empty body into {} and axios sends that after the browser's
      // Content-Length: 0: the request is answered (not the 400 the stray bytes would earn), then the connection
      // closes.
      const res = await rawHttp(
        service.url,
        [
          'POST /validate HTTP/1.1',
          'Host: x',
          'Content-Type: application/json',
          'Content-Length: 0',
          `Authorization: Bearer ${token}`,
          'Connection: keep-alive',
          '',
          '{}',
        ].join('\r\n'),
      );
      expect([res.status, res.body]).toMatchObject([200, { valid: true, username: 'user' }]);
      expect(res.text).toMatch(/\r\nconnection: close\r\n/i);
    });

    it('answers an empty JSON body on a route that needs one with 400 VALIDATION_FAILED', async () => {
      const usersBefore = await countUsers();
      const res = await postJson('/signup', '');
      expect([res.status, res.body]).toMatchObject([400, errorShape(400, 'VALIDATION_FAILED')]);
      expect(await countUsers()).toBe(usersBefore);
    });

    it('answers a body of an unsupported media type with 415 in the common shape', async () => {
      const res = await postJson('/login', 'username=user', { 'content-type': 'text/plain' });
      expect([res.status, res.body]).toEqual([415, errorShape(415, 'UNSUPPORTED_MEDIA_TYPE')]);
      const invalid = await postJson('/login', '{}', { 'content-type': 'not a media type' });
      expect([invalid.status, invalid.body]).toEqual([415, errorShape(415, 'UNSUPPORTED_MEDIA_TYPE')]);
    });
  });

  describe('errors before a route runs are in the common shape', () => {
    const head = (lines: string[]) => lines.join('\r\n') + '\r\n\r\n';

    const malformed: [string, string, number, string][] = [
      [
        'a malformed Content-Length',
        head(['POST /login HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Content-Length: 1x']),
        400,
        'MALFORMED_REQUEST',
      ],
      [
        'two Content-Lengths that disagree',
        head(['POST /login HTTP/1.1', 'Host: x', 'Content-Length: 1', 'Content-Length: 2']),
        400,
        'MALFORMED_REQUEST',
      ],
      [
        'a malformed Transfer-Encoding',
        head(['POST /login HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked, gzip']),
        400,
        'MALFORMED_REQUEST',
      ],
      [
        'a bare LF in a header',
        'GET /health/live HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n',
        400,
        'MALFORMED_REQUEST',
      ],
      [
        'a NUL in a header',
        head(['GET /health/live HTTP/1.1', 'Host: x', 'X-A: a\u0000b']),
        400,
        'MALFORMED_REQUEST',
      ],
      ['a malformed request line', 'GET /health/live HTTP/9\r\n\r\n', 400, 'MALFORMED_REQUEST'],
      [
        'a 20 KB Authorization header',
        head(['GET /users/1 HTTP/1.1', 'Host: x', `Authorization: Bearer ${'a'.repeat(20_000)}`]),
        431,
        'HEADERS_TOO_LARGE',
      ],
      ['no Host header', head(['GET /health/live HTTP/1.1', 'Connection: close']), 400, 'MISSING_HOST'],
      [
        '%ZZ in the path',
        head(['GET /users/%ZZ HTTP/1.1', 'Host: x', 'Connection: close']),
        400,
        'INVALID_URL',
      ],
      [
        '%FF in the path',
        head(['GET /users/%FF HTTP/1.1', 'Host: x', 'Connection: close']),
        400,
        'INVALID_URL',
      ],
      [
        'an id of 300 characters',
        `GET /users/${'1'.repeat(300)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer TOKEN\r\n\r\n`,
        400,
        'INVALID_ID',
      ],
    ];
    for (const [name, bytes, status, code] of malformed) {
      it(`answers ${name} with ${status} ${code}`, async () => {
        const res = await rawHttp(service.url, bytes.replace('TOKEN', token));
        expect([res.status, res.body]).toEqual([status, errorShape(status, code)]);
      });
    }

    it('still answers HTTP/1.0 without Host', async () => {
      const res = await rawHttp(service.url, 'GET /health/live HTTP/1.0\r\n\r\n');
      expect(res.status).toBe(200);
    });

    it('keeps serving after all of them', async () => {
      expect((await request(`${service.url}/health/live`)).status).toBe(200);
    });
  });
});
