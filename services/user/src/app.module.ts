import { Module, type DynamicModule } from '@nestjs/common';
import { VerificationKeySource } from '@food-delivery/auth';
import { ServiceCoreModule } from '@food-delivery/service-core';
import { LoginModule } from './auth/login.module';
import { USER_DATABASE } from './database';
import { KeysModule } from './keys/keys.module';
import { SigningKeysService } from './keys/signing-keys.service';
import { StartupService } from './startup.service';
import { UserEnv } from './user.env';
import { UsersModule } from './users/users.module';

export const SERVICE = 'user-service';

@Module({})
export class AppModule {
  static forRoot(env: UserEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: SERVICE,
          envClass: UserEnv,
          env,
          database: USER_DATABASE,
          // The user service verifies its own tokens with the keys it signs with.
          auth: {
            imports: [KeysModule],
            keySource: { provide: VerificationKeySource, useExisting: SigningKeysService },
          },
          // The spec's /chaos/delay and /chaos/error (+ GET/DELETE /chaos), shared by every replica.
        }),
        KeysModule,
        UsersModule,
        LoginModule,
      ],
      providers: [StartupService],
    };
  }
}
