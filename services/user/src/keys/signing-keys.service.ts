import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { VerificationKeySource } from '@food-delivery/auth';
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Repository } from 'typeorm';
import { UserEnv } from '../user.env';
import { SigningKey } from './signing-key.entity';

export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  use: 'sig';
  alg: 'RS256';
}

/** RFC 7638 thumbprint: a stable key id derived from the public key itself. */
function thumbprint(publicKey: KeyObject): string {
  const { e, kty, n } = publicKey.export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ e, kty, n })).digest('base64url');
}

/**
 * Holds the RS256 key that signs access tokens. A configured JWT_PRIVATE_KEY wins; otherwise a dev key pair is
 * generated once and stored in Postgres so every replica (and every restart) signs with the same key.
 * Also serves as the user service's own verification key source.
 */
@Injectable()
export class SigningKeysService extends VerificationKeySource {
  private readonly logger = new Logger(SigningKeysService.name);
  private signing: { kid: string; privateKey: KeyObject } | null = null;
  private publicKeys = new Map<string, KeyObject>();

  constructor(
    private readonly env: UserEnv,
    @InjectRepository(SigningKey) private readonly keys: Repository<SigningKey>,
  ) {
    super();
  }

  async init(): Promise<void> {
    if (this.env.JWT_PRIVATE_KEY) {
      const privateKey = createPrivateKey(this.env.JWT_PRIVATE_KEY.replace(/\\n/g, '\n'));
      if (privateKey.asymmetricKeyType !== 'rsa')
        throw new Error('JWT_PRIVATE_KEY must be an RSA private key');
      const publicKey = createPublicKey(privateKey);
      const kid = thumbprint(publicKey);
      this.signing = { kid, privateKey };
      this.publicKeys = new Map([[kid, publicKey]]);
      this.logger.log(`Signing tokens with the configured key ${kid}`);
      return;
    }
    let stored = await this.keys.findOneBy({ active: true });
    if (!stored) {
      const pair = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
      const kid = thumbprint(pair.publicKey);
      await this.keys
        .createQueryBuilder()
        .insert()
        .values({
          kid,
          privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          active: true,
        })
        .orIgnore()
        .execute();
      stored = await this.keys.findOneByOrFail({ active: true });
      if (stored.kid === kid) {
        this.logger.warn(`Generated a dev signing key ${kid} (set JWT_PRIVATE_KEY in production)`);
      }
    }
    this.signing = { kid: stored.kid, privateKey: createPrivateKey(stored.privateKeyPem) };
    const all = await this.keys.find();
    this.publicKeys = new Map(all.map((key) => [key.kid, createPublicKey(key.publicKeyPem)]));
  }

  get current(): { kid: string; privateKey: KeyObject } {
    if (!this.signing) throw new Error('Signing keys are not loaded yet');
    return this.signing;
  }

  getKey(kid: string): Promise<KeyObject | null> {
    return Promise.resolve(this.publicKeys.get(kid) ?? null);
  }

  jwks(): { keys: PublicJwk[] } {
    return {
      keys: [...this.publicKeys].map(([kid, key]) => {
        const { n, e } = key.export({ format: 'jwk' });
        return { kty: 'RSA', n: n as string, e: e as string, kid, use: 'sig', alg: 'RS256' };
      }),
    };
  }
}
