import { Logger } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** Where verification keys come from: the user service's own key store, a configured PEM, or a JWKS URL. */
export abstract class VerificationKeySource {
  /** The public key for `kid`; null when unknown. */
  abstract getKey(kid: string): Promise<KeyObject | null>;
}

/** A single public key given as PEM (JWT_PUBLIC_KEY). */
export class StaticKeySource extends VerificationKeySource {
  private readonly key: KeyObject;

  constructor(pem: string) {
    super();
    this.key = createPublicKey(pem);
  }

  getKey(): Promise<KeyObject> {
    return Promise.resolve(this.key);
  }
}

interface Jwks {
  keys: (JsonWebKey & { kid?: string; use?: string; alg?: string })[];
}

/**
 * Keys fetched from the user service's /.well-known/jwks.json and cached. An unknown kid triggers one refetch
 * (at most every `minRefreshMs`), so key rotation works without restarts and bad tokens cannot flood the issuer.
 */
export class JwksKeySource extends VerificationKeySource {
  private readonly logger = new Logger(JwksKeySource.name);
  private keys = new Map<string, KeyObject>();
  private lastFetch = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly url: string,
    private readonly options: { timeoutMs?: number; minRefreshMs?: number } = {},
  ) {
    super();
  }

  async getKey(kid: string): Promise<KeyObject | null> {
    const cached = this.find(kid);
    if (cached) return cached;
    if (Date.now() - this.lastFetch >= (this.options.minRefreshMs ?? 10_000) || this.keys.size === 0) {
      await this.refresh();
    }
    return this.find(kid);
  }

  private find(kid: string): KeyObject | null {
    return this.keys.get(kid) ?? null;
  }

  refresh(): Promise<void> {
    this.inflight ??= this.fetchKeys().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    try {
      const response = await fetch(this.url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 2000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const jwks = (await response.json()) as Jwks;
      const keys = new Map<string, KeyObject>();
      for (const jwk of jwks.keys ?? []) {
        if (jwk.kty !== 'RSA' || (jwk.use && jwk.use !== 'sig')) continue;
        if (!jwk.kid) continue; // tokens must name their key, so a key without kid could verify none
        keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
      }
      this.keys = keys;
      this.lastFetch = Date.now();
    } catch (error) {
      this.lastFetch = Date.now();
      this.logger.warn(`Could not fetch JWKS from ${this.url}: ${(error as Error).message}`);
      if (this.keys.size === 0) {
        throw new ApiError(
          503,
          'AUTH_UNAVAILABLE',
          'Cannot verify tokens: the user service keys are unavailable',
          {
            dependency: 'user-service',
            headers: { 'retry-after': '1' },
          },
        );
      }
    }
  }
}
