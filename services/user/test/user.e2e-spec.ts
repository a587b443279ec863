import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  createTestStack,
  request,
  TcpProxy,
  viaProxy,
  waitFor,
  type RunningService,
  type TestStack,
} from '@food-delivery/testing';
import { JwtService } from '@nestjs/jwt';
import { createPublicKey, generateKeyPairSync, verify as verifySignature } from 'node:crypto';
import { Client } from 'pg';
import { createUserApp } from '../src/app';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('user service (real Postgres + Redis, real HTTP)', () => {
  let stack: TestStack;
  let service: RunningService;
  let pg: Client;

  const countUsers = async () => Number((await pg.query('SELECT count(*) FROM "user".users')).rows[0].count);
  const login = (username = 'user', password = 'pass') =>
    request(`${service.url}/login`, { body: { username, password } });
  /** The order service's client credentials, as this stack generated them. */
  const grant = () => ({
    grant_type: 'client_credentials',
    client_id: 'order-service',
    client_secret: stack.baseEnv.SERVICE_CLIENT_SECRET,
  });
  const serviceToken = async () =>
    (await request<{ access_token: string }>(`${service.url}/token`, { body: grant() })).body.access_token;

  before(async () => {
    stack = await createTestStack('user');
    service = await stack.start(createUserApp);
    pg = new Client({ connectionString: stack.db.url });
    await pg.connect();
  });

  after(async () => {
    await pg?.end();
    await stack?.teardown();
  });

  describe('signup', () => {
    it('creates a user and never returns the password or its hash', async () => {
      const res = await request(`${service.url}/signup`, {
        body: { username: 'alice', password: 'wonderland', name: 'Alice', email: 'alice@example.com' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        username: 'alice',
        name: 'Alice',
        email: 'alice@example.com',
        created_at: expect.any(String),
      });
      expect(res.text).not.toMatch(/wonderland|password|\$argon2/);
      const row = await pg.query('SELECT password_hash FROM "user".users WHERE username = $1', ['alice']);
      expect(row.rows[0].password_hash).toMatch(/^\$argon2id\$/);
    });

    it('answers 409 EMAIL_TAKEN for an email already registered, in any case, and writes nothing', async () => {
      const first = await request(`${service.url}/signup`, {
        body: { username: 'emma', password: 'emma-pass', email: 'emma@example.com' },
      });
      expect(first.status).toBe(201);
      const before = await countUsers();
      const again = await request(`${service.url}/signup`, {
        body: { username: 'emma2', password: 'emma-pass', email: 'Emma@Example.com' },
      });
      expect([again.status, again.body.code]).toEqual([409, 'EMAIL_TAKEN']);
      expect(await countUsers()).toBe(before);
      // Racing sign-ups with one email: the unique index keeps one.
      const raced = await Promise.all(
        ['r1', 'r2', 'r3'].map((username) =>
          request(`${service.url}/signup`, {
            body: { username: `race-${username}`, password: 'race-pass', email: 'race@example.com' },
          }),
        ),
      );
      expect(raced.map((res) => res.status).sort()).toEqual([201, 409, 409]);
      expect(raced.filter((res) => res.status === 409).every((res) => res.body.code === 'EMAIL_TAKEN')).toBe(
        true,
      );
      // Accounts without an email are many.
      for (const username of ['no-mail-1', 'no-mail-2']) {
        expect(
          (await request(`${service.url}/signup`, { body: { username, password: 'x-pass' } })).status,
        ).toBe(201);
      }
    });

    it('answers 409 for a taken username, also when sign-ups race', async () => {
      const first = await request(`${service.url}/signup`, {
        body: { username: 'bob', password: 'builder' },
      });
      expect(first.status).toBe(201);
      const again = await request(`${service.url}/signup`, { body: { username: 'bob', password: 'other' } });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        statusCode: 409,
        code: 'USERNAME_TAKEN',
        traceId: expect.any(String),
      });

      const racers = await Promise.all(
        Array.from({ length: 8 }, () =>
          request(`${service.url}/signup`, { body: { username: 'racer', password: 'fast' } }),
        ),
      );
      expect(racers.filter((r) => r.status === 201)).toHaveLength(1);
      expect(racers.filter((r) => r.status === 409)).toHaveLength(7);
    });

    const badBodies: [string, { body?: unknown; raw?: string; headers?: Record<string, string> }, RegExp][] =
      [
        ['missing fields', { body: {} }, /username/],
        ['missing password', { body: { username: 'carol' } }, /password/],
        ['wrong types', { body: { username: 123, password: true } }, /username must be a string/],
        [
          'extra fields',
          { body: { username: 'carol', password: 'pw12', admin: true } },
          /property admin should not exist/,
        ],
        [
          'a 10 KB string',
          { body: { username: 'carol', password: 'x'.repeat(10 * 1024) } },
          /password must be shorter/,
        ],
        ['a short username', { body: { username: 'ab', password: 'pw12' } }, /username must be longer/],
        [
          'a username with spaces',
          { body: { username: 'bad name', password: 'pw12' } },
          /username may contain only/,
        ],
        ['a short password', { body: { username: 'carol', password: 'abc' } }, /password must be longer/],
        [
          'a bad email',
          { body: { username: 'carol', password: 'pw12', email: 'nope' } },
          /email must be an email/,
        ],
        [
          'invalid JSON',
          { raw: '{"username": "carol",', headers: { 'content-type': 'application/json' } },
          /not valid JSON/,
        ],
        ['a JSON array', { body: [{ username: 'carol', password: 'pw12' }] }, /./],
        ['a JSON string', { raw: '"carol"', headers: { 'content-type': 'application/json' } }, /./],
      ];

    for (const [name, init, message] of badBodies) {
      it(`rejects ${name} with a clear 400 and writes nothing`, async () => {
        const usersBefore = await countUsers();
        const res = await request(`${service.url}/signup`, { method: 'POST', ...init });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          statusCode: 400,
          code: expect.stringMatching(/^(VALIDATION_FAILED|INVALID_JSON)$/),
        });
        expect(res.body.message).toMatch(message);
        expect(res.body.traceId).toEqual(expect.any(String));
        expect(await countUsers()).toBe(usersBefore);
      });
    }

    it('answers 413 (not 500) for bodies beyond the limit', async () => {
      const res = await request(`${service.url}/signup`, {
        body: { username: 'carol', password: 'x'.repeat(20 * 1024) },
      });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });

  describe('login', () => {
    it('accepts JSON and returns a bearer token', async () => {
      const res = await login();
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 3600,
        scope: 'orders users:read',
      });
    });

    it('gives the seeded operator the operator role and scopes', async () => {
      const res = await login(stack.operator.username, stack.operator.password);
      expect(res.status).toBe(200);
      const claims = JSON.parse(Buffer.from(res.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims.role).toBe('operator');
      expect(claims.scope.split(' ')).toEqual(
        expect.arrayContaining(['orders', 'chaos:write', 'admin', 'inventory:write', 'users:validate']),
      );
      expect(claims.scope.split(' ')).not.toContain('reservations:write');
      const row = await pg.query('SELECT role FROM "user".users WHERE username = $1', ['operator']);
      expect(row.rows[0].role).toBe('operator');
    });

    it('accepts an OAuth2 password form (application/x-www-form-urlencoded)', async () => {
      const res = await request(`${service.url}/login`, {
        method: 'POST',
        raw: 'grant_type=password&username=user&password=pass&scope=',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('bearer');
    });

    it('accepts multipart/form-data, as a browser sends FormData (the original frontend), text fields only', async () => {
      const form = new FormData();
      form.append('username', 'user');
      form.append('password', 'pass');
      const res = await fetch(`${service.url}/login`, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { token_type: string }).token_type).toBe('bearer');

      const withFile = new FormData();
      withFile.append('username', 'user');
      withFile.append('password', new Blob(['pass']), 'password.txt');
      const file = await fetch(`${service.url}/login`, { method: 'POST', body: withFile });
      expect([file.status, ((await file.json()) as { code: string }).code]).toEqual([
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ]);

      const broken = await request(`${service.url}/login`, {
        method: 'POST',
        raw: '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nuser',
        headers: { 'content-type': 'multipart/form-data' },
      });
      expect([broken.status, broken.body.code]).toEqual([400, 'INVALID_FORM']);
      const wrong = new FormData();
      wrong.append('username', 'user');
      wrong.append('password', 'nope');
      expect((await fetch(`${service.url}/login`, { method: 'POST', body: wrong })).status).toBe(401);
    });

    it('gives the same 401 for a wrong password and an unknown user', async () => {
      const wrongPassword = await login('user', 'nope');
      const unknownUser = await login('nobody-here', 'nope');
      expect(wrongPassword.status).toBe(401);
      expect(unknownUser.status).toBe(401);
      const { traceId: _a, ...a } = wrongPassword.body;
      const { traceId: _b, ...b } = unknownUser.body;
      expect(a).toEqual(b);
      expect(a).toEqual({
        statusCode: 401,
        code: 'INVALID_CREDENTIALS',
        message: 'Incorrect username or password',
        // FastAPI's name for the same text: the original service's clients read `detail`.
        detail: 'Incorrect username or password',
      });
    });

    it('rejects a malformed login body with 400', async () => {
      const res = await request(`${service.url}/login`, { body: { username: 'user' } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('issues RS256 tokens that verify against the published JWKS', async () => {
      const token = (await login()).body.access_token as string;
      const [headerPart, payloadPart, signature] = token.split('.');
      const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString());
      const payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString());
      expect(header.alg).toBe('RS256');
      expect(payload).toMatchObject({
        sub: expect.any(String),
        username: 'user',
        iss: expect.any(String),
        aud: 'food-delivery',
      });

      const jwks = await request(`${service.url}/.well-known/jwks.json`);
      expect(jwks.status).toBe(200);
      const jwk = jwks.body.keys.find((key: { kid: string }) => key.kid === header.kid);
      expect(jwk).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
      expect(jwk).not.toHaveProperty('d');
      const ok = verifySignature(
        'RSA-SHA256',
        Buffer.from(`${headerPart}.${payloadPart}`),
        createPublicKey({ key: jwk, format: 'jwk' }),
        Buffer.from(signature, 'base64url'),
      );
      expect(ok).toBe(true);
    });
  });

  describe('POST /token (client credentials for services)', () => {
    it('issues a service token (JSON or form) with the scopes of a service, not of a user', async () => {
      const json = await request(`${service.url}/token`, { body: grant() });
      expect(json.status).toBe(200);
      expect(json.body).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 900,
        scope: 'users:validate inventory:write reservations:write reservations:read',
      });
      const claims = JSON.parse(Buffer.from(json.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({
        sub: 'service:order-service',
        username: 'order-service',
        aud: 'food-delivery',
      });
      const token = json.body.access_token;
      expect((await request(`${service.url}/validate`, { token, body: { user_id: 1 } })).status).toBe(200);
      const profile = await request(`${service.url}/users/1`, { token });
      expect([profile.status, profile.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);

      const narrowed = await request(`${service.url}/token`, {
        body: { ...grant(), scope: 'users:validate' },
      });
      expect(narrowed.body.scope).toBe('users:validate');
      const widened = await request(`${service.url}/token`, { body: { ...grant(), scope: 'chaos:write' } });
      expect([widened.status, widened.body.code]).toEqual([400, 'INVALID_SCOPE']);

      const form = await request(`${service.url}/token`, {
        method: 'POST',
        raw: new URLSearchParams(grant()).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).toBe(200);
    });

    it('refuses the old constant secret: secrets are generated per installation', async () => {
      const res = await request(`${service.url}/token`, {
        body: { ...grant(), client_secret: 'dev-order-service-secret' },
      });
      expect([res.status, res.body.code]).toEqual([401, 'INVALID_CLIENT']);
    });

    it('refuses every client when SERVICE_CLIENTS is not set', async () => {
      const bare = await stack.start(createUserApp, { SERVICE_CLIENTS: '', SEED_DEMO_USER: 'false' });
      try {
        const res = await request(`${bare.url}/token`, { body: grant() });
        expect([res.status, res.body.code]).toEqual([401, 'INVALID_CLIENT']);
      } finally {
        await bare.close();
      }
    });

    it('refuses a wrong secret and an unknown client alike, and other grant types', async () => {
      const wrong = await request(`${service.url}/token`, {
        body: { ...grant(), client_secret: 'nope-nope-nope' },
      });
      const unknown = await request(`${service.url}/token`, { body: { ...grant(), client_id: 'nobody' } });
      expect([wrong.status, wrong.body.code]).toEqual([401, 'INVALID_CLIENT']);
      expect([unknown.status, unknown.body.code, unknown.body.message]).toEqual([
        401,
        'INVALID_CLIENT',
        wrong.body.message,
      ]);
      const password = await request(`${service.url}/token`, {
        body: { ...grant(), grant_type: 'password' },
      });
      expect([password.status, password.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    });
  });

  describe('GET /users/:id', () => {
    it('returns the public profile to a caller with a valid token', async () => {
      const { access_token } = (await login()).body;
      const me = JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString());
      const res = await request(`${service.url}/users/${me.sub}`, { token: access_token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: Number(me.sub), username: 'user' });
      expect(res.body).not.toHaveProperty('password_hash');
      expect(res.body).not.toHaveProperty('passwordHash');
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const { access_token } = (await login()).body;
      expect((await request(`${service.url}/users/999999`, { token: access_token })).body.code).toBe(
        'USER_NOT_FOUND',
      );
      for (const bad of ['abc', '-1', '0', '1.5', '99999999999', '1e3']) {
        const res = await request(`${service.url}/users/${bad}`, { token: access_token });
        expect([res.status, res.body.code]).toEqual([400, 'INVALID_ID']);
      }
    });

    describe('rejects bad tokens with 401', () => {
      let token: string;
      let keyRow: { kid: string; private_key_pem: string };
      const jwt = new JwtService({});
      const claims = { username: 'user' };
      const signOptions = {
        algorithm: 'RS256' as const,
        subject: '1',
        issuer: 'food-delivery/user-service',
        audience: 'food-delivery',
      };

      before(async () => {
        token = (await login()).body.access_token;
        keyRow = (await pg.query('SELECT kid, private_key_pem FROM "user".signing_keys WHERE active'))
          .rows[0];
      });

      const expectRejected = async (bad: string | undefined, code: string) => {
        const res = await request(
          `${service.url}/users/1`,
          bad === undefined ? {} : { headers: { authorization: bad } },
        );
        expect(res.status).toBe(401);
        expect(res.body.code).toBe(code);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      };

      it('missing or not a bearer header', async () => {
        await expectRejected(undefined, 'TOKEN_MISSING');
        await expectRejected(`Basic ${Buffer.from('user:pass').toString('base64')}`, 'TOKEN_MISSING');
      });

      it('expired', async () => {
        const expired = jwt.sign(
          { ...claims, exp: Math.floor(Date.now() / 1000) - 60 },
          { ...signOptions, privateKey: keyRow.private_key_pem, keyid: keyRow.kid },
        );
        await expectRejected(`Bearer ${expired}`, 'TOKEN_EXPIRED');
      });

      it('tampered', async () => {
        const [header, payload, signature] = token.split('.');
        const forged = b64({
          ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
          sub: '2',
          username: 'bob',
        });
        await expectRejected(`Bearer ${header}.${forged}.${signature}`, 'TOKEN_INVALID');
      });

      it('alg none', async () => {
        const [, payload] = token.split('.');
        await expectRejected(`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, 'TOKEN_INVALID');
      });

      it('HS256 signed with the public key (algorithm confusion)', async () => {
        const jwks = (await request(`${service.url}/.well-known/jwks.json`)).body;
        const pem = createPublicKey({ key: jwks.keys[0], format: 'jwk' })
          .export({ type: 'spki', format: 'pem' })
          .toString();
        const confused = jwt.sign(claims, {
          ...signOptions,
          algorithm: 'HS256',
          secret: pem,
          keyid: keyRow.kid,
        });
        await expectRejected(`Bearer ${confused}`, 'TOKEN_INVALID');
      });

      it('signed by another key, with or without the real kid', async () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        await expectRejected(
          `Bearer ${jwt.sign(claims, { ...signOptions, privateKey: pem, keyid: keyRow.kid })}`,
          'TOKEN_INVALID',
        );
        await expectRejected(
          `Bearer ${jwt.sign(claims, { ...signOptions, privateKey: pem, keyid: 'other' })}`,
          'TOKEN_INVALID',
        );
      });

      it('without a key id (kid), even when signed by the real key', async () => {
        await expectRejected(
          `Bearer ${jwt.sign(claims, { ...signOptions, privateKey: keyRow.private_key_pem })}`,
          'TOKEN_INVALID',
        );
      });

      it('malformed', async () => {
        await expectRejected('Bearer not-a-jwt', 'TOKEN_INVALID');
        await expectRejected(`Bearer ${'a'.repeat(5000)}`, 'TOKEN_INVALID');
      });
    });
  });

  describe('POST /validate', () => {
    let token: string;
    before(async () => {
      token = await serviceToken();
    });

    it('confirms an existing user to a service', async () => {
      const res = await request(`${service.url}/validate`, { token, body: { user_id: 1 } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ valid: true, user_id: 1, username: 'user' });
    });

    it("tells a user token about its own account only (the original frontend's bodiless form)", async () => {
      const userToken = (await login()).body.access_token;
      const own = await request(`${service.url}/validate`, { token: userToken, method: 'POST' });
      expect([own.status, own.body]).toEqual([200, { valid: true, user_id: 1, username: 'user' }]);
      const asUser = await request(`${service.url}/validate`, { token: userToken, body: { user_id: 1 } });
      expect([asUser.status, asUser.body.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
      expect(asUser.text).not.toContain('"username"');
      const anonymous = await request(`${service.url}/validate`, { body: { user_id: 1 } });
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'TOKEN_MISSING']);
      const bodilessService = await request(`${service.url}/validate`, { token, method: 'POST' });
      expect([bodilessService.status, bodilessService.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const operator = (await login(stack.operator.username, stack.operator.password)).body.access_token;
      expect(
        (await request(`${service.url}/validate`, { token: operator, body: { user_id: 1 } })).status,
      ).toBe(200);
      // A deleted account's own token: 404, so a client logs out.
      await request(`${service.url}/signup`, { body: { username: 'gone', password: 'gone-pass' } });
      const goneToken = (await login('gone', 'gone-pass')).body.access_token;
      await pg.query('DELETE FROM "user".users WHERE username = $1', ['gone']);
      const gone = await request(`${service.url}/validate`, { token: goneToken, method: 'POST' });
      expect([gone.status, gone.body.code]).toEqual([404, 'USER_NOT_FOUND']);
    });

    it('answers 404 for an unknown user and 400 for a bad user_id', async () => {
      expect((await request(`${service.url}/validate`, { token, body: { user_id: 424242 } })).status).toBe(
        404,
      );
      for (const user_id of ['1', -1, 0, 1.5, null]) {
        const res = await request(`${service.url}/validate`, { token, body: { user_id } });
        expect([user_id, res.status, res.body.code]).toEqual([user_id, 400, 'VALIDATION_FAILED']);
      }
    });

    it('honours ?delay within 0–10000 ms and rejects anything else', async () => {
      const started = Date.now();
      const delayed = await request(`${service.url}/validate?delay=300`, { token, body: { user_id: 1 } });
      expect(delayed.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      for (const delay of ['10001', '-1', 'abc', '1.5']) {
        const res = await request(`${service.url}/validate?delay=${delay}`, { token, body: { user_id: 1 } });
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
    });

    it('delays only the delayed request, not concurrent ones', async () => {
      const slow = request(`${service.url}/validate?delay=800`, { token, body: { user_id: 1 } });
      const started = Date.now();
      const fast = await request(`${service.url}/validate`, { token, body: { user_id: 1 } });
      expect(fast.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(500);
      expect((await slow).status).toBe(200);
    });
  });

  describe('docs', () => {
    it('serves Swagger UI, the OpenAPI JSON with examples, and ReDoc', async () => {
      expect((await request(`${service.url}/docs`)).status).toBe(200);
      expect((await request(`${service.url}/redoc`)).text).toContain('redoc');
      const spec = (await request(`${service.url}/docs-json`)).body;
      for (const path of ['/signup', '/login', '/users/{id}', '/validate', '/.well-known/jwks.json']) {
        expect(spec.paths).toHaveProperty([path]);
      }
      expect(spec.components.schemas.SignupDto.properties.username.example).toBe('alice');
      expect(spec.paths['/login'].post.summary).toMatch(/JWT/);
      // Who may call what is part of the contract, and no working secret is shown as an example.
      expect(spec.paths['/validate'].post['x-required-scope']).toBe('users:validate');
      expect(spec.paths['/users/{id}'].get['x-required-scope']).toBe('users:read');
      expect(JSON.stringify(spec)).not.toMatch(/dev-order-service-secret|client_secret":\s*"[^"]+"/);
    });
  });

  describe('a second replica on the same database', () => {
    it('shares the signing key and does not seed the demo user twice', async () => {
      const replica = await stack.start(createUserApp);
      try {
        const token = (await login()).body.access_token;
        const res = await request(`${replica.url}/users/1`, { token });
        expect(res.status).toBe(200);
        const demo = await pg.query('SELECT count(*) FROM "user".users WHERE username = $1', ['user']);
        expect(Number(demo.rows[0].count)).toBe(1);
      } finally {
        await replica.close();
      }
    });
  });

  describe('health', () => {
    it('is live and ready while Postgres and Redis answer', async () => {
      expect((await request(`${service.url}/health/live`)).status).toBe(200);
      const ready = await request(`${service.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.details).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
    });

    it('reports a stopped Redis or Postgres as not ready, and recovers', async () => {
      const token = await serviceToken();
      const dbUrl = new URL(stack.db.url);
      const pgProxy = await new TcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432)).start();
      const redisUrl = new URL(stack.redis.url);
      const redisProxy = await new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379)).start();
      const proxied = await stack.start(createUserApp, {
        DATABASE_URL: viaProxy(stack.db.url, pgProxy),
        REDIS_URL: viaProxy(stack.redis.url, redisProxy),
        SEED_DEMO_USER: 'false',
      });
      try {
        await waitFor('ready', async () => (await request(`${proxied.url}/health/ready`)).status === 200);

        await redisProxy.stop();
        const noRedis = await waitFor('redis down', async () => {
          const res = await request(`${proxied.url}/health/ready`);
          return res.status === 503 ? res : null;
        });
        expect(noRedis.body.error).toHaveProperty('redis');
        expect((await request(`${proxied.url}/health/live`)).status).toBe(200);
        await redisProxy.start();
        await waitFor(
          'redis back',
          async () => (await request(`${proxied.url}/health/ready`)).status === 200,
        );

        await pgProxy.stop();
        const noPostgres = await waitFor('postgres down', async () => {
          const res = await request(`${proxied.url}/health/ready`);
          return res.status === 503 ? res : null;
        });
        expect(noPostgres.body.error).toHaveProperty('postgres');
        expect((await request(`${proxied.url}/health/live`)).status).toBe(200);
        // A request that needs the database fails fast with a clear 503, not a hang or a 500.
        const validate = await request(`${proxied.url}/validate`, { token, body: { user_id: 1 } });
        expect([validate.status, validate.body.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
        await pgProxy.start();
        await waitFor(
          'postgres back',
          async () => (await request(`${proxied.url}/health/ready`)).status === 200,
          {
            timeoutMs: 15_000,
          },
        );
      } finally {
        await proxied.close();
        await pgProxy.stop();
        await redisProxy.stop();
      }
    });

    it('keeps working without Redis when it is switched off', async () => {
      const noRedis = await stack.start(createUserApp, { REDIS_URL: 'off', SEED_DEMO_USER: 'false' });
      try {
        const ready = await request(`${noRedis.url}/health/ready`);
        expect(ready.status).toBe(200);
        expect(
          (await request(`${noRedis.url}/login`, { body: { username: 'user', password: 'pass' } })).status,
        ).toBe(200);
      } finally {
        await noRedis.close();
      }
    });
  });
});
