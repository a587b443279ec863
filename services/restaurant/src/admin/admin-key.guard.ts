import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { RestaurantEnv } from '../restaurant.env';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Admin routes need `X-Admin-Key: <ADMIN_API_KEY>`; with no key configured they are switched off. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(private readonly env: RestaurantEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.env.ADMIN_API_KEY;
    if (!expected) {
      throw new ApiError(403, 'ADMIN_DISABLED', 'Admin endpoints are off; set ADMIN_API_KEY to enable them');
    }
    const given = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
      'x-admin-key'
    ];
    // Compare digests: constant time and independent of the lengths.
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), digest(expected))) {
      throw new ApiError(401, 'ADMIN_KEY_INVALID', 'X-Admin-Key header is missing or wrong');
    }
    return true;
  }
}
