import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { runMigrations } from '@food-delivery/database';
import { DataSource } from 'typeorm';
import { ORDER_DATABASE } from './database';
import { OrderEnv } from './order.env';
import { RecoveryService } from './saga/recovery.service';
import { SagaWorker } from './saga/saga-worker.service';

/** Brings the schema up to date, then starts the saga worker and the recovery loop (which runs at once). */
@Injectable()
export class StartupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StartupService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly worker: SagaWorker,
    private readonly recovery: RecoveryService,
    private readonly env: OrderEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const applied = await runMigrations(this.dataSource, ORDER_DATABASE.schema);
    if (applied.length) this.logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    if (this.env.SAGA_PAUSE_BEFORE_PAYMENT_MS > 0) {
      this.logger.warn(
        `TEST HOOK ACTIVE: every order pauses ${this.env.SAGA_PAUSE_BEFORE_PAYMENT_MS} ms between reservation ` +
          'and payment (SAGA_PAUSE_BEFORE_PAYMENT_MS); never set it in production',
      );
    }
    this.worker.start();
    this.recovery.start();
  }
}
