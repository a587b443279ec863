import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { IS_PUBLIC_KEY } from './constants';

/** The verified caller, attached to the request by JwtAuthGuard. */
export interface AuthUser {
  /** The user id; 0 for a service principal. */
  id: number;
  /** The user name, or the client id of a service principal. */
  username: string;
  /** Set when the caller is a service (client-credentials token), to its client id. */
  service?: string;
  /** The raw bearer token, so it can be forwarded to other services. */
  token: string;
}

/** Marks a route (or controller) as reachable without a token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Injects the verified caller into a handler parameter. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser =>
    context.switchToHttp().getRequest<{ user: AuthUser }>().user,
);
