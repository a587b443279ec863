import 'reflect-metadata';
import { EnvValidationError, validateEnv } from '@food-delivery/config';
import { ensureDatabase } from '@food-delivery/database';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { StockAdminService } from './admin/stock-admin.service';
import { AppModule, SERVICE } from './app.module';
import { MAX_STOCK } from './inventory/stock-errors';
import { RestaurantEnv } from './restaurant.env';

const USAGE = `Usage: npm run seed -w @food-delivery/restaurant-service [-- --stock N [--menu ID ...]]
  Migrates and seeds the demo catalogue (idempotent). With --stock, sets the stock of every menu (or of the
  given --menu ids) to N, recorded as a reset so GET /inventory/audit stays ok.`;

function parse(): { stock?: number; menuIds?: number[] } {
  const { values } = parseArgs({
    options: {
      stock: { type: 'string' },
      menu: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (text: string, min: number, max: number, name: string): number => {
    const value = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
    if (!(value >= min && value <= max))
      throw new Error(`${name} must be an integer in ${min}..${max}\n${USAGE}`);
    return value;
  };
  return {
    stock: values.stock === undefined ? undefined : int(values.stock, 0, MAX_STOCK, '--stock'),
    menuIds: values.menu?.map((id) => int(id, 1, 2_147_483_647, '--menu')),
  };
}

/** Runs the service's own start-up (migrations + seed) without HTTP, then optionally resets stock. */
async function main(): Promise<void> {
  const { stock, menuIds } = parse();
  const env = validateEnv(RestaurantEnv, { ...process.env, SEED_CATALOGUE: 'true' }, SERVICE);
  // Works on a fresh machine too, before the service ever started.
  await ensureDatabase(env.DATABASE_URL);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(env), {
    // Framework chatter would bury the one line that matters; errors still show.
    logger: ['error'],
  });
  try {
    if (stock !== undefined) {
      const result = await app.get(StockAdminService).resetStock(stock, menuIds, 'seed-script');
      process.stdout.write(`Stock of ${result.menus.length} menus set to ${stock}\n`);
    } else {
      process.stdout.write('Catalogue is seeded\n');
    }
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof EnvValidationError ? error.message : String((error as Error)?.message ?? error)}\n`,
  );
  process.exit(1);
});
