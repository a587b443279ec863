import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ApiError } from '@food-delivery/http';
import type { KeyObject } from 'node:crypto';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, SERVICE_SUBJECT_PREFIX } from './constants';
import type { AuthUser } from './decorators';
import { VerificationKeySource } from './key-source';

interface AccessTokenClaims {
  sub: string;
  username: string;
}

const unauthorized = (code: string, message: string): ApiError =>
  new ApiError(401, code, message, { headers: { 'www-authenticate': 'Bearer' } });

/** Verifies RS256 access tokens: signature, algorithm (never "none"), issuer, audience and expiry. */
@Injectable()
export class TokenVerifier {
  /** PEM encodings of the keys seen so far (jsonwebtoken's verify options take PEM). */
  private readonly pems = new WeakMap<KeyObject, string>();

  constructor(
    private readonly jwt: JwtService,
    private readonly keys: VerificationKeySource,
  ) {}

  async verify(token: string): Promise<AuthUser> {
    if (token.length > 4096) throw unauthorized('TOKEN_INVALID', 'Access token is malformed');
    const decoded = this.jwt.decode<{ header?: { alg?: string; kid?: string } } | null>(token, {
      complete: true,
    });
    if (!decoded?.header) throw unauthorized('TOKEN_INVALID', 'Access token is malformed');
    if (decoded.header.alg !== JWT_ALGORITHM)
      throw unauthorized('TOKEN_INVALID', 'Access token algorithm is not accepted');
    const key = await this.keys.getKey(decoded.header.kid);
    if (!key) throw unauthorized('TOKEN_INVALID', 'Access token was signed by an unknown key');
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims & object>(token, {
        publicKey: this.pemOf(key),
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      });
    } catch (error) {
      if ((error as Error).name === 'TokenExpiredError')
        throw unauthorized('TOKEN_EXPIRED', 'Access token has expired');
      throw unauthorized('TOKEN_INVALID', 'Access token is invalid');
    }
    if (typeof claims.sub === 'string' && claims.sub.startsWith(SERVICE_SUBJECT_PREFIX)) {
      const service = claims.sub.slice(SERVICE_SUBJECT_PREFIX.length);
      if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(service))
        throw unauthorized('TOKEN_INVALID', 'Access token has unexpected claims');
      return { id: 0, username: service, service, token };
    }
    const id = Number(claims.sub);
    if (!Number.isSafeInteger(id) || id <= 0 || typeof claims.username !== 'string') {
      throw unauthorized('TOKEN_INVALID', 'Access token has unexpected claims');
    }
    return { id, username: claims.username, token };
  }

  private pemOf(key: KeyObject): string {
    let pem = this.pems.get(key);
    if (!pem) {
      pem = key.export({ type: 'spki', format: 'pem' }).toString();
      this.pems.set(key, pem);
    }
    return pem;
  }
}
