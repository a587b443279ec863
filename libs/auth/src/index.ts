export { AuthModule, type AuthModuleOptions } from './auth.module';
export { IS_PUBLIC_KEY, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, SERVICE_SUBJECT_PREFIX } from './constants';
export { CurrentUser, Public, type AuthUser } from './decorators';
export { JwtAuthGuard } from './jwt-auth.guard';
export { JwksKeySource, StaticKeySource, VerificationKeySource } from './key-source';
export { TokenVerifier } from './token-verifier.service';
