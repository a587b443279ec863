import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { IS_PUBLIC_KEY } from './constants';

/** The verified caller, attached to the request by JwtAuthGuard. */
export interface AuthUser {
  id: number;
  username: string;
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
