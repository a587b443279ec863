import { JwtService } from '@nestjs/jwt';
import { expect } from 'expect';
import { generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { JWT_AUDIENCE, JWT_ISSUER } from './constants';
import { StaticKeySource } from './key-source';
import { TokenVerifier } from './token-verifier.service';

/** Real RS256 keys and tokens; the verifier remembers verified tokens, which must never outlive their expiry. */
describe('TokenVerifier', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwt = new JwtService({});
  const sign = (
    sub: string,
    expiresIn: number,
    key = privateKey,
    claims: Record<string, unknown> = { scope: 'orders users:read' },
    keyid: string | undefined = 'k1',
  ) =>
    jwt.sign(
      { username: 'kim', ...claims },
      {
        privateKey: key,
        algorithm: 'RS256',
        subject: sub,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        expiresIn,
        ...(keyid ? { keyid } : {}),
      },
    );
  const kim = (token: string) => ({
    id: 7,
    username: 'kim',
    kind: 'user',
    scopes: new Set(['orders', 'users:read']),
    token,
  });
  const verifier = () =>
    new TokenVerifier(jwt, new StaticKeySource(publicKey.export({ type: 'spki', format: 'pem' }).toString()));

  it('accepts a valid token, and the same token again from memory', async () => {
    const tokens = verifier();
    const token = sign('7', 60);
    expect(await tokens.verify(token)).toEqual(kim(token));
    expect(await tokens.verify(token)).toEqual(kim(token));
  });

  it('reads the principal kind and scopes: user, operator, service', async () => {
    const tokens = verifier();
    const operator = await tokens.verify(
      sign('7', 60, privateKey, { role: 'operator', scope: 'chaos:write' }),
    );
    expect([operator.kind, [...operator.scopes]]).toEqual(['operator', ['chaos:write']]);
    const service = await tokens.verify(sign('service:order-service', 60, privateKey, { scope: 'a:b c' }));
    expect([service.kind, service.id, service.service, [...service.scopes]]).toEqual([
      'service',
      0,
      'order-service',
      ['a:b', 'c'],
    ]);
    const none = await tokens.verify(sign('8', 60, privateKey, {}));
    expect(none.scopes.size).toBe(0);
  });

  it('refuses a token without kid, a bad role and a malformed scope claim', async () => {
    const tokens = verifier();
    const noKid = sign('7', 60, privateKey, undefined, '');
    await expect(tokens.verify(noKid)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    for (const claims of [{ role: 'admin' }, { scope: 42 }, { scope: 'ok BAD!' }]) {
      await expect(tokens.verify(sign('7', 60, privateKey, claims))).rejects.toMatchObject({
        code: 'TOKEN_INVALID',
      });
    }
  });

  it('stops accepting a remembered token when it expires', async () => {
    const tokens = verifier();
    const token = sign('7', 2);
    await tokens.verify(token);
    await sleep(2100);
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('never remembers a refusal: a token signed by another key stays refused', async () => {
    const tokens = verifier();
    const forged = sign('7', 60, other.privateKey);
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    // A tampered copy of a remembered token is a different string: verified (and refused) on its own.
    const token = sign('7', 60);
    await tokens.verify(token);
    const [header, payload, signature] = token.split('.');
    const tampered = [
      header,
      Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '8' }),
      ).toString('base64url'),
      signature,
    ].join('.');
    await expect(tokens.verify(tampered)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });
});
