import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { CatalogueService } from './catalogue/catalogue.service';
import { RestaurantEnv } from './restaurant.env';

/**
 * Seeds the demo catalogue, once the database module has brought the schema up to date (`migrateOnBoot`: it
 * bootstraps before this root-module provider).
 */
@Injectable()
export class StartupService implements OnApplicationBootstrap {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly env: RestaurantEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.env.SEED_CATALOGUE) await this.catalogue.seed();
  }
}
