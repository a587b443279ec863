import { Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import { OrderEnv } from '../order.env';
import type { DownstreamErrorBody } from './call-context';
import { Downstreams, USER_SERVICE } from './downstreams';

interface TokenResponse {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
}

/** Refresh this long before expiry (or a tenth of the lifetime for short-lived tokens). */
const REFRESH_MARGIN_MS = 60_000;

/**
 * The order service's own access token (OAuth2 client credentials at the user service's `POST /token`). Every
 * call to another service carries it: the reservation ledger and `/validate` accept only service principals, so
 * a user's token is never forwarded. Fetched on first use, cached until shortly before it expires; concurrent
 * callers share one fetch.
 */
@Injectable()
export class ServiceTokenProvider {
  private readonly logger = new Logger(ServiceTokenProvider.name);
  private token: string | null = null;
  private refreshAt = 0;
  private inflight: Promise<string> | null = null;

  constructor(
    private readonly downstreams: Downstreams,
    private readonly env: OrderEnv,
  ) {}

  async get(): Promise<string> {
    if (this.token && Date.now() < this.refreshAt) return this.token;
    this.inflight ??= this.fetch().finally(() => (this.inflight = null));
    return this.inflight;
  }

  /**
   * Sends with the service token; a token the downstream rejects with 401 (rotated key, expiry, clock skew) is
   * fetched again once.
   */
  async authorized<R extends { status: number }>(send: (token: string) => Promise<R>): Promise<R> {
    const token = await this.get();
    const response = await send(token);
    if (response.status !== 401) return response;
    this.invalidate(token);
    return send(await this.get());
  }

  /** Forget the cached token (a downstream rejected it: revoked, rotated key, clock skew). */
  invalidate(token: string): void {
    if (this.token === token) {
      this.token = null;
      this.refreshAt = 0;
    }
  }

  private async fetch(): Promise<string> {
    const response = await this.downstreams.user.request<TokenResponse & DownstreamErrorBody>({
      method: 'POST',
      path: '/token',
      body: {
        grant_type: 'client_credentials',
        client_id: this.env.SERVICE_CLIENT_ID,
        client_secret: this.env.SERVICE_CLIENT_SECRET,
      },
      // Asking for a token twice is harmless.
      idempotent: true,
    });
    const body = response.body;
    if (response.status !== 200 || typeof body?.access_token !== 'string') {
      this.logger.error(
        { event: 'service_token.failed', status: response.status, code: body?.code },
        `Could not get a service token from the user service (HTTP ${response.status} ${body?.code ?? ''})`,
      );
      throw new ApiError(
        503,
        'SERVICE_AUTH_UNAVAILABLE',
        `The order service could not authenticate itself at the user service (HTTP ${response.status})`,
        { dependency: USER_SERVICE, headers: { 'retry-after': '5' } },
      );
    }
    const lifetimeMs = Math.max(1, Number(body.expires_in) || 300) * 1000;
    this.token = body.access_token;
    this.refreshAt = Date.now() + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 10);
    this.logger.log({ event: 'service_token.fetched', expires_in: body.expires_in }, 'Service token fetched');
    return this.token;
  }
}
