import { Injectable, NotFoundException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { OperatorAccess, Scope, type OperatorRequest } from '@food-delivery/auth';
import { BaseEnv } from '@food-delivery/config';
import type { FastifyRequest } from 'fastify';

/**
 * CHAOS_ENABLED=false: every chaos route answers exactly like a route that does not exist.
 * Reading faults is open. Changing them is open to local callers (loopback, LOCAL_OPERATOR_ADDRESSES); from
 * anywhere else it needs `X-Chaos-Key: <CHAOS_API_KEY>` or an operator token (scope `chaos:write`).
 */
@Injectable()
export class ChaosAccessGuard implements CanActivate {
  private readonly check: (request: OperatorRequest) => Promise<unknown>;

  constructor(
    private readonly env: BaseEnv,
    access: OperatorAccess,
  ) {
    this.check = access.forSurface(
      {
        key: env.CHAOS_API_KEY,
        header: 'x-chaos-key',
        keyName: 'CHAOS_API_KEY',
        scope: Scope.ChaosWrite,
        codes: { required: 'CHAOS_KEY_REQUIRED', invalid: 'CHAOS_KEY_INVALID' },
        action: 'Changing faults',
      },
      env.localOperatorAddresses,
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.env.CHAOS_ENABLED) throw new NotFoundException(`Cannot ${request.method} ${request.url}`);
    if (request.method === 'GET' || request.method === 'HEAD') return true;
    await this.check(request);
    return true;
  }
}
