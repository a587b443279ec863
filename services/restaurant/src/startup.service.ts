import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { runMigrations } from '@food-delivery/database';
import { DataSource } from 'typeorm';
import { CatalogueService } from './catalogue/catalogue.service';
import { RESTAURANT_DATABASE } from './database';
import { RestaurantEnv } from './restaurant.env';

/** Brings the schema up to date, then seeds the demo catalogue, in that order. */
@Injectable()
export class StartupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StartupService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly catalogue: CatalogueService,
    private readonly env: RestaurantEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const applied = await runMigrations(this.dataSource, RESTAURANT_DATABASE.schema);
    if (applied.length) this.logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    if (this.env.SEED_CATALOGUE) await this.catalogue.seed();
  }
}
