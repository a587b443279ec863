import { insufficientScope, Scope, type AuthUser } from '@food-delivery/auth';
import { ApiError } from '@food-delivery/http';

/**
 * Whose account `/validate` confirms: `user_id` for a service or operator (scope users:validate); without it, the
 * caller's own, so a user token only ever learns about itself.
 */
export function validateTarget(caller: AuthUser, userId: number | undefined): number {
  if (userId !== undefined) {
    if (!caller.scopes.has(Scope.UsersValidate)) throw insufficientScope(Scope.UsersValidate);
    return userId;
  }
  if (caller.kind === 'service') {
    throw new ApiError(400, 'VALIDATION_FAILED', 'user_id is required with a service token', {
      details: ['user_id must be an integer number'],
    });
  }
  return caller.id;
}
