import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { OrderEnv } from './order.env';
import { RecoveryService } from './saga/recovery.service';
import { SagaWorker } from './saga/saga-worker.service';

/**
 * Starts the saga worker and the recovery loop (which runs at once), once the database module has brought the
 * schema up to date (`migrateOnBoot`: it bootstraps before this root-module provider).
 */
@Injectable()
export class StartupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StartupService.name);

  constructor(
    private readonly worker: SagaWorker,
    private readonly recovery: RecoveryService,
    private readonly env: OrderEnv,
  ) {}

  onApplicationBootstrap(): void {
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
