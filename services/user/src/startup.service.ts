import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { SigningKeysService } from './keys/signing-keys.service';
import { UserEnv } from './user.env';
import { UsersService } from './users/users.service';

/**
 * Loads the signing key and seeds the demo account, in that order, once the database module has brought the
 * schema up to date (`migrateOnBoot`: it bootstraps before this root-module provider).
 */
@Injectable()
export class StartupService implements OnApplicationBootstrap {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly users: UsersService,
    private readonly env: UserEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keys.init();
    if (this.env.SEED_DEMO_USER) await this.users.ensureDemoUser('user', 'pass');
    if (this.env.OPERATOR_PASSWORD) {
      await this.users.ensureOperator(this.env.OPERATOR_USERNAME, this.env.OPERATOR_PASSWORD);
    }
  }
}
