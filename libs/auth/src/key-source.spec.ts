import { expect } from 'expect';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { JwksKeySource } from './key-source';

/** A real HTTP server publishing a JWKS whose keys the test can rotate. */
describe('JwksKeySource', () => {
  let server: Server;
  let url: string;
  let fetches = 0;
  let published: { kid: string; key: KeyObject }[] = [];
  let healthy = true;
  const newKey = (kid: string) => ({
    kid,
    key: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey,
  });

  before(async () => {
    server = createServer((_req, res) => {
      fetches += 1;
      if (!healthy) {
        res.writeHead(503).end();
        return;
      }
      const keys = published.map(({ kid, key }) => ({
        ...key.export({ format: 'jwk' }),
        kid,
        use: 'sig',
        alg: 'RS256',
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches once, caches, and refetches for an unknown kid (key rotation) at most every minRefreshMs', async () => {
    fetches = 0;
    const [keyA0, keyB0] = [newKey('a'), newKey('b')];
    published = [keyA0];
    const source = new JwksKeySource(url, { minRefreshMs: 500 });
    const keyA = await source.getKey('a');
    expect(keyA?.equals(published[0].key)).toBe(true);
    await source.getKey('a');
    expect(fetches).toBe(1);

    published = [keyA0, keyB0];
    expect(await source.getKey('b')).toBeNull(); // within minRefreshMs: no refetch, so bad kids cannot flood the issuer
    expect(fetches).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 550));
    expect((await source.getKey('b'))?.equals(published[1].key)).toBe(true);
    expect(fetches).toBe(2);
  });

  it('answers 503 AUTH_UNAVAILABLE when no key was ever fetched and the issuer is down', async () => {
    healthy = false;
    const source = new JwksKeySource(url);
    await expect(source.getKey('a')).rejects.toMatchObject({ code: 'AUTH_UNAVAILABLE' });
    healthy = true;
  });

  it('keeps serving cached keys while the issuer is down', async () => {
    published = [newKey('c')];
    const source = new JwksKeySource(url, { minRefreshMs: 0 });
    expect(await source.getKey('c')).not.toBeNull();
    healthy = false;
    expect(await source.getKey('c')).not.toBeNull();
    expect(await source.getKey('unknown')).toBeNull();
    healthy = true;
  });
});
