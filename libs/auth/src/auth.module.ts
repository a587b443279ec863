import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwksKeySource, StaticKeySource, VerificationKeySource } from './key-source';
import { OperatorAccess } from './operator-access';
import { TokenVerifier } from './token-verifier.service';

export interface AuthModuleOptions {
  /** How to obtain verification keys; or use `jwksUrl` / `publicKeyPem`. */
  keySource?: Provider;
  /** Modules the keySource provider needs. */
  imports?: ModuleMetadata['imports'];
  jwksUrl?: string;
  publicKeyPem?: string;
}

/** Installs the global JWT guard. Services that only verify tokens pass a JWKS URL or a PEM public key. */
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    const keySource: Provider =
      options.keySource ??
      (options.publicKeyPem
        ? { provide: VerificationKeySource, useValue: new StaticKeySource(options.publicKeyPem) }
        : { provide: VerificationKeySource, useValue: new JwksKeySource(options.jwksUrl ?? '') });
    return {
      module: AuthModule,
      global: true,
      imports: [JwtModule.register({}), ...(options.imports ?? [])],
      providers: [keySource, TokenVerifier, OperatorAccess, { provide: APP_GUARD, useClass: JwtAuthGuard }],
      exports: [TokenVerifier, OperatorAccess, VerificationKeySource, JwtModule],
    };
  }
}
