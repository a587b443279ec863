import { JwtService } from '@nestjs/jwt';
import { generateKeyPairSync } from 'node:crypto';

export interface TestTokens {
  /** Give this to a service as JWT_PUBLIC_KEY so it trusts the tokens below. */
  publicKeyPem: string;
  /** An RS256 access token like the user service issues (same issuer, audience and claims). */
  sign(user: { id: number; username: string }, options?: { expiresInSeconds?: number }): string;
}

/**
 * A throwaway RS256 key pair for testing services that only verify tokens (restaurant, order) without
 * starting the user service. Claims match what the user service issues.
 */
export function createTestTokens(): TestTokens {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwt = new JwtService({});
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (user, options = {}) =>
      jwt.sign(
        { username: user.username },
        {
          privateKey: privateKeyPem,
          algorithm: 'RS256',
          keyid: 'test-key',
          subject: String(user.id),
          issuer: 'food-delivery/user-service',
          audience: 'food-delivery',
          expiresIn: options.expiresInSeconds ?? 3600,
        },
      ),
  };
}
