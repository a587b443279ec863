import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { AuthUser } from '@food-delivery/auth';
import { AccountStatus } from './account-status.service';

/** Refuses the token of a deleted account (runs after the global token guard has set `request.user`). */
@Injectable()
export class ActiveAccountGuard implements CanActivate {
  constructor(private readonly accounts: AccountStatus) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ user?: AuthUser; id?: unknown }>();
    if (request.user) await this.accounts.ensureActive(request.user.id, String(request.id));
    return true;
  }
}
