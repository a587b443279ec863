import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ApiError } from '@food-delivery/http';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, SERVICE_SUBJECT_PREFIX, type UserRole } from './constants';
import type { AuthUser } from './decorators';
import { VerificationKeySource } from './key-source';

interface AccessTokenClaims {
  sub: string;
  username: string;
  /** Space-separated scopes (OAuth 2.0). */
  scope?: unknown;
  /** user or operator; absent on service tokens. */
  role?: unknown;
  exp?: number;
}

const SCOPE_PATTERN = /^[a-z][a-z:_-]{0,63}$/;

/** The `scope` claim as a set; malformed → null. */
function parseScopes(claim: unknown): Set<string> | null {
  if (claim === undefined) return new Set();
  if (typeof claim !== 'string' || claim.length > 1024) return null;
  const scopes = claim.split(' ').filter(Boolean);
  return scopes.every((scope) => SCOPE_PATTERN.test(scope)) ? new Set(scopes) : null;
}

/**
 * Tokens verified recently, by their exact text: clients reuse one token for many requests, and an RS256
 * verification costs more than the rest of a small request. An entry lives until the token expires, at most
 * VERIFIED_TTL_MS, so a key withdrawn from the JWKS stops being honoured within that time.
 */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

const unauthorized = (code: string, message: string): ApiError =>
  new ApiError(401, code, message, { headers: { 'www-authenticate': 'Bearer' } });

/** Verifies RS256 access tokens: signature, algorithm (never "none"), issuer, audience and expiry. */
@Injectable()
export class TokenVerifier {
  constructor(
    private readonly jwt: JwtService,
    private readonly keys: VerificationKeySource,
  ) {}

  private readonly verified = new Map<string, { user: AuthUser; until: number }>();

  async verify(token: string): Promise<AuthUser> {
    const known = this.verified.get(token);
    if (known) {
      if (known.until > Date.now()) return known.user;
      this.verified.delete(token);
    }
    const { user, expiresAt } = await this.verifyNow(token);
    this.remember(token, user, expiresAt);
    return user;
  }

  private remember(token: string, user: AuthUser, expiresAt: number): void {
    const until = Math.min(expiresAt, Date.now() + VERIFIED_TTL_MS);
    if (until <= Date.now()) return;
    // Map keeps insertion order: the oldest entry goes first.
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { user, until });
  }

  private async verifyNow(token: string): Promise<{ user: AuthUser; expiresAt: number }> {
    if (token.length > 4096) throw unauthorized('TOKEN_INVALID', 'Access token is malformed');
    const decoded = this.jwt.decode<{ header?: { alg?: string; kid?: string } } | null>(token, {
      complete: true,
    });
    if (!decoded?.header) throw unauthorized('TOKEN_INVALID', 'Access token is malformed');
    if (decoded.header.alg !== JWT_ALGORITHM)
      throw unauthorized('TOKEN_INVALID', 'Access token algorithm is not accepted');
    // One policy everywhere: the issuer always names its key, so a token without kid is not one of ours.
    if (typeof decoded.header.kid !== 'string' || decoded.header.kid === '')
      throw unauthorized('TOKEN_INVALID', 'Access token has no key id (kid)');
    const key = await this.keys.getKey(decoded.header.kid);
    if (!key) throw unauthorized('TOKEN_INVALID', 'Access token was signed by an unknown key');
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims & object>(token, {
        // jsonwebtoken takes a KeyObject as it is; given PEM it parses the key again on every request.
        publicKey: key as unknown as Buffer,
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      });
    } catch (error) {
      if ((error as Error).name === 'TokenExpiredError')
        throw unauthorized('TOKEN_EXPIRED', 'Access token has expired');
      throw unauthorized('TOKEN_INVALID', 'Access token is invalid');
    }
    // A token without exp is not remembered (expiresAt 0).
    const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : 0;
    const scopes = parseScopes(claims.scope);
    if (!scopes) throw unauthorized('TOKEN_INVALID', 'Access token has unexpected claims');
    if (typeof claims.sub === 'string' && claims.sub.startsWith(SERVICE_SUBJECT_PREFIX)) {
      const service = claims.sub.slice(SERVICE_SUBJECT_PREFIX.length);
      if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(service))
        throw unauthorized('TOKEN_INVALID', 'Access token has unexpected claims');
      return { user: { id: 0, username: service, kind: 'service', service, scopes, token }, expiresAt };
    }
    const id = Number(claims.sub);
    const role = (claims.role ?? 'user') as UserRole;
    if (
      !Number.isSafeInteger(id) ||
      id <= 0 ||
      typeof claims.username !== 'string' ||
      (role !== 'user' && role !== 'operator')
    ) {
      throw unauthorized('TOKEN_INVALID', 'Access token has unexpected claims');
    }
    return { user: { id, username: claims.username, kind: role, scopes, token }, expiresAt };
  }
}
