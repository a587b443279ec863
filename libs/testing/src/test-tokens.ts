import { JwtService } from '@nestjs/jwt';
import { OPERATOR_SCOPES, USER_SCOPES, type Scope } from '@food-delivery/auth';
import { generateKeyPairSync } from 'node:crypto';

export interface SignOptions {
  expiresInSeconds?: number;
  /** The token's scopes; default those of the principal kind. */
  scopes?: readonly Scope[];
}

export interface TestTokens {
  /** Give this to a service as JWT_PUBLIC_KEY so it trusts the tokens below. */
  publicKeyPem: string;
  /** An RS256 user access token like the user service issues (same issuer, audience, claims and scopes). */
  sign(user: { id: number; username: string }, options?: SignOptions): string;
  /** An operator's token (a user with the operator role). */
  operator(user?: { id: number; username: string }, options?: SignOptions): string;
  /** A service token like `POST /token` issues (`sub: service:<clientId>`); `scopes` as the user service grants. */
  service(clientId: string, scopes: readonly Scope[], options?: Omit<SignOptions, 'scopes'>): string;
}

/**
 * A throwaway RS256 key pair for testing services that only verify tokens (restaurant, order) without
 * starting the user service. Claims match what the user service issues.
 */
export function createTestTokens(): TestTokens {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwt = new JwtService({});
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const signWith = (subject: string, claims: Record<string, unknown>, options: SignOptions = {}) =>
    jwt.sign(claims, {
      privateKey: privateKeyPem,
      algorithm: 'RS256',
      keyid: 'test-key',
      subject,
      issuer: 'food-delivery/user-service',
      audience: 'food-delivery',
      expiresIn: options.expiresInSeconds ?? 3600,
    });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (user, options = {}) =>
      signWith(
        String(user.id),
        { username: user.username, role: 'user', scope: (options.scopes ?? USER_SCOPES).join(' ') },
        options,
      ),
    operator: (user = { id: 9000, username: 'operator' }, options = {}) =>
      signWith(
        String(user.id),
        { username: user.username, role: 'operator', scope: (options.scopes ?? OPERATOR_SCOPES).join(' ') },
        options,
      ),
    service: (clientId, scopes, options = {}) =>
      signWith(`service:${clientId}`, { username: clientId, scope: scopes.join(' ') }, options),
  };
}
