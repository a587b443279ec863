import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '@food-delivery/http';
import { IS_PUBLIC_KEY, REQUIRED_SCOPES_KEY } from './constants';
import type { AuthUser } from './decorators';
import { TokenVerifier } from './token-verifier.service';

/** `Authorization: Bearer <token>` → the token, or null. */
export function bearerToken(headers: Record<string, unknown>): string | null {
  const header = headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : null;
}

export function insufficientScope(scope: string): ApiError {
  return new ApiError(403, 'INSUFFICIENT_SCOPE', `This endpoint needs a token with scope "${scope}"`, {
    headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
  });
}

/**
 * Global guard: every route needs a valid bearer token unless marked @Public(), and the scope its
 * @RequireScope() names.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, unknown>; user?: AuthUser }>();
    const token = bearerToken(request.headers);
    if (!token) {
      throw new ApiError(401, 'TOKEN_MISSING', 'Authorization: Bearer <token> header is required', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    const user = await this.verifier.verify(token);
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES_KEY, targets);
    const missing = required?.find((scope) => !user.scopes.has(scope));
    if (missing) throw insufficientScope(missing);
    request.user = user;
    return true;
  }
}
