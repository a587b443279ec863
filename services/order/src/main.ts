import 'reflect-metadata';
import { EnvValidationError } from '@food-delivery/config';
import { listen } from '@food-delivery/http';
import { Logger } from '@nestjs/common';
import { createOrderApp } from './app';

async function main(): Promise<void> {
  const app = await createOrderApp();
  const url = await listen(app);
  new Logger('Bootstrap').log(`order-service listening on ${url} (docs: ${url}/docs)`);
}

main().catch((error: unknown) => {
  // Before the logger exists, a readable message on stderr is all we can give.
  process.stderr.write(
    `${error instanceof EnvValidationError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
