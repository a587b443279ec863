import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { runMigrations } from '@food-delivery/database';
import { DataSource } from 'typeorm';
import { USER_DATABASE } from './database';
import { SigningKeysService } from './keys/signing-keys.service';
import { UserEnv } from './user.env';
import { UsersService } from './users/users.service';

/** Brings the schema up to date, loads the signing key and seeds the demo account, in that order. */
@Injectable()
export class StartupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StartupService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: SigningKeysService,
    private readonly users: UsersService,
    private readonly env: UserEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const applied = await runMigrations(this.dataSource, USER_DATABASE.schema);
    if (applied.length) this.logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    await this.keys.init();
    if (this.env.SEED_DEMO_USER) await this.users.ensureDemoUser('user', 'pass');
    if (this.env.OPERATOR_PASSWORD) {
      await this.users.ensureOperator(this.env.OPERATOR_USERNAME, this.env.OPERATOR_PASSWORD);
    }
  }
}
