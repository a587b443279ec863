import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '@food-delivery/http';
import { IS_PUBLIC_KEY, REQUIRED_SCOPES_KEY, type PrincipalKind, type Scope } from './constants';

/** The verified caller, attached to the request by JwtAuthGuard. */
export interface AuthUser {
  /** The user id; 0 for a service principal. */
  id: number;
  /** The user name, or the client id of a service principal. */
  username: string;
  /** user, operator (a user with the operator role) or service (client-credentials token). */
  kind: PrincipalKind;
  /** Set when the caller is a service (client-credentials token), to its client id. */
  service?: string;
  /** The scopes the token grants. */
  scopes: ReadonlySet<string>;
  /** The raw bearer token. */
  token: string;
}

/** Marks a route (or controller) as reachable without a token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Who gets each scope, for the docs. */
const HOLDERS: Record<Scope, string> = {
  orders: 'users and operators',
  'users:read': 'users and operators',
  'users:validate': 'services and operators',
  'inventory:write': 'services and operators',
  'reservations:write': 'the order service only',
  'reservations:read': 'the order service and operators',
  'chaos:write': 'operators',
  admin: 'operators',
};

/**
 * The scope a route needs; a valid token without it gets 403 INSUFFICIENT_SCOPE. Also documents it in Swagger
 * (bearer auth, the 403, and `x-required-scope`).
 */
export const RequireScope = (scope: Scope): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES_KEY, [scope]),
    ApiBearerAuth('bearer'),
    ApiExtension('x-required-scope', scope),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: `INSUFFICIENT_SCOPE: needs a token with scope \`${scope}\` (${HOLDERS[scope]})`,
    }),
  );

/** Injects the verified caller into a handler parameter. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser =>
    context.switchToHttp().getRequest<{ user: AuthUser }>().user,
);
