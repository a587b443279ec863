import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule, VerificationKeySource } from '@food-delivery/auth';
import { ChaosModule } from '@food-delivery/chaos';
import { EnvModule } from '@food-delivery/config';
import { DatabaseModule } from '@food-delivery/database';
import { HealthModule } from '@food-delivery/health';
import { LoggingModule } from '@food-delivery/logging';
import { MetricsModule } from '@food-delivery/observability';
import { RedisModule } from '@food-delivery/redis';
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
        EnvModule.forRoot(UserEnv, env, SERVICE),
        LoggingModule.forRoot(),
        DatabaseModule.forRoot(USER_DATABASE),
        RedisModule,
        // The user service verifies its own tokens with the keys it signs with.
        AuthModule.forRoot({
          imports: [KeysModule],
          keySource: { provide: VerificationKeySource, useExisting: SigningKeysService },
        }),
        HealthModule,
        MetricsModule,
        // The spec's /chaos/delay and /chaos/error (+ GET/DELETE /chaos), shared by every replica.
        ChaosModule.forRoot(),
        KeysModule,
        UsersModule,
        LoginModule,
      ],
      providers: [StartupService],
    };
  }
}
