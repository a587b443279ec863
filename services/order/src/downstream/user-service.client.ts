import { Injectable } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import { DependencyError } from '@food-delivery/http-client';
import type { CallContext, DownstreamErrorBody } from './call-context';
import { Downstreams, USER_SERVICE } from './downstreams';
import { ServiceTokenProvider } from './service-token.provider';

interface ValidateResponse {
  valid?: boolean;
  user_id?: number;
}

/** The user service as the order saga sees it. */
@Injectable()
export class UserServiceClient {
  constructor(
    private readonly downstreams: Downstreams,
    private readonly serviceToken: ServiceTokenProvider,
  ) {}

  /**
   * Confirms the caller's account still exists (`POST /validate`, with the service token: only services and
   * operators may ask). A read, so it is retried; a timeout, an open circuit or repeated 5xx become 504 / 503 /
   * 502 naming the user service.
   */
  async validate(userId: number, context: CallContext): Promise<void> {
    const response = await this.serviceToken.authorized((token) =>
      this.downstreams.user.request<ValidateResponse & DownstreamErrorBody>({
        method: 'POST',
        path: '/validate',
        body: { user_id: userId },
        headers: { authorization: `Bearer ${token}`, 'x-request-id': context.requestId },
        idempotent: true,
      }),
    );
    if (response.status === 200 && response.body?.valid === true) return;
    if (response.status === 404) {
      throw new ApiError(
        403,
        'USER_INVALID',
        `User ${userId} no longer exists; orders need an active account`,
      );
    }
    throw new DependencyError(
      USER_SERVICE,
      'server_error',
      `unexpected answer to /validate: HTTP ${response.status} ${response.body?.code ?? ''}`.trim(),
    );
  }
}
