/**
 * The chaos console: `node --require ./scripts/ts-register.cjs --conditions=@food-delivery/source
 * console/server/main.ts` (what `npm start` and compose run), after `npm run build -w console` built the page.
 * Settings: console/server/console.env.ts.
 */
import { JwtService } from '@nestjs/jwt';
import { JwksKeySource, OperatorAccess, Scope, TokenVerifier } from '@food-delivery/auth';
import { EnvValidationError } from '@food-delivery/config';
import { resolve } from 'node:path';
import pino from 'pino';
import { Backend } from './backend';
import { consoleEnv } from './console.env';
import { createConsoleServer } from './server';

const ROOT = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const env = consoleEnv();
  const logger = pino({ level: env.LOG_LEVEL, base: { service: 'console' } });
  const backend = new Backend({
    services: [
      { name: 'user-service', url: env.USER_SERVICE_URL },
      { name: 'restaurant-service', url: env.RESTAURANT_SERVICE_URL },
      { name: 'order-service', url: env.ORDER_SERVICE_URL },
    ],
    launcherUrl: env.LAUNCHER_URL === 'off' ? null : env.LAUNCHER_URL,
    instances: (env.CONSOLE_INSTANCES ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const [service, url] = pair.split(/=(.*)/s);
        return { service, url };
      }),
    trafficUrl: env.TRAFFIC_URL === 'off' ? null : env.TRAFFIC_URL,
    resultsDir: resolve(ROOT, env.RESULTS_DIR),
    chaosKey: env.CHAOS_API_KEY,
    stepMs: env.CONSOLE_STEP_MS,
    logger,
  });
  // The same rule as the services' chaos writes, with the same key, header and token scope.
  const verifier = new TokenVerifier(
    new JwtService(),
    new JwksKeySource(env.JWKS_URL ?? `${env.USER_SERVICE_URL}/.well-known/jwks.json`),
  );
  const checkAccess = new OperatorAccess(verifier).forSurface(
    {
      key: env.CHAOS_API_KEY,
      header: 'x-chaos-key',
      keyName: 'CHAOS_API_KEY',
      scope: Scope.ChaosWrite,
      codes: { required: 'CHAOS_KEY_REQUIRED', invalid: 'CHAOS_KEY_INVALID' },
      action: 'Using the console',
    },
    (env.LOCAL_OPERATOR_ADDRESSES ?? '').split(',').filter(Boolean),
  );
  const server = createConsoleServer({
    backend,
    distDir: resolve(ROOT, 'console', 'dist'),
    checkAccess,
    grafanaUrl: env.GRAFANA_URL?.replace(/\/$/, '') ?? null,
    logger,
  });
  await new Promise<void>((done) => server.listen(env.CONSOLE_PORT, env.CONSOLE_HOST, done));
  backend.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.CONSOLE_PORT;
  logger.info({ url: `http://${env.CONSOLE_HOST}:${port}` }, `console on http://${env.CONSOLE_HOST}:${port}`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await backend.stop();
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof EnvValidationError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
