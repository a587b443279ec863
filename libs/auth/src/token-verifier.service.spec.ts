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
  const sign = (sub: string, expiresIn: number, key = privateKey) =>
    jwt.sign(
      { username: 'kim' },
      {
        privateKey: key,
        algorithm: 'RS256',
        subject: sub,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        expiresIn,
      },
    );
  const verifier = () =>
    new TokenVerifier(jwt, new StaticKeySource(publicKey.export({ type: 'spki', format: 'pem' }).toString()));

  it('accepts a valid token, and the same token again from memory', async () => {
    const tokens = verifier();
    const token = sign('7', 60);
    expect(await tokens.verify(token)).toEqual({ id: 7, username: 'kim', token });
    expect(await tokens.verify(token)).toEqual({ id: 7, username: 'kim', token });
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
