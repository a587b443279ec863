export { AuthModule, type AuthModuleOptions } from './auth.module';
export {
  ALL_SCOPES,
  IS_PUBLIC_KEY,
  JWT_ALGORITHM,
  JWT_AUDIENCE,
  JWT_ISSUER,
  OPERATOR_SCOPES,
  REQUIRED_SCOPES_KEY,
  Scope,
  SERVICE_SUBJECT_PREFIX,
  USER_ROLES,
  USER_SCOPES,
  type PrincipalKind,
  type UserRole,
} from './constants';
export { CurrentUser, Public, RequireScope, type AuthUser } from './decorators';
export { bearerToken, insufficientScope, JwtAuthGuard } from './jwt-auth.guard';
export { JwksKeySource, StaticKeySource, VerificationKeySource } from './key-source';
export {
  decideOperatorAccess,
  isLoopbackAddress,
  OperatorAccess,
  type OperatorGrant,
  type OperatorRequest,
  type OperatorSurface,
} from './operator-access';
export { TokenVerifier } from './token-verifier.service';
