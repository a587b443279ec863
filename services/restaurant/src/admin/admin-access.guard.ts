import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { OperatorAccess, Scope, type OperatorRequest } from '@food-delivery/auth';
import { ApiError } from '@food-delivery/http';
import { RestaurantEnv } from '../restaurant.env';

/**
 * Operator endpoints: open to local callers (loopback, LOCAL_OPERATOR_ADDRESSES); from anywhere else they need
 * `X-Admin-Key: <ADMIN_API_KEY>` or an operator token (scope `admin`). ADMIN_ENABLED=false switches them off.
 */
@Injectable()
export class AdminAccessGuard implements CanActivate {
  private readonly check: (request: OperatorRequest) => Promise<unknown>;

  constructor(
    private readonly env: RestaurantEnv,
    access: OperatorAccess,
  ) {
    this.check = access.forSurface(
      {
        key: env.ADMIN_API_KEY,
        header: 'x-admin-key',
        keyName: 'ADMIN_API_KEY',
        scope: Scope.Admin,
        codes: { required: 'ADMIN_KEY_REQUIRED', invalid: 'ADMIN_KEY_INVALID' },
        action: 'Admin endpoints',
      },
      env.localOperatorAddresses,
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.env.ADMIN_ENABLED) {
      throw new ApiError(403, 'ADMIN_DISABLED', 'Admin endpoints are off (ADMIN_ENABLED=false)');
    }
    await this.check(context.switchToHttp().getRequest<OperatorRequest>());
    return true;
  }
}
