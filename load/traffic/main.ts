/**
 * The traffic generator: `node --require ./scripts/ts-register.cjs --require ./load/traffic/instrumentation.ts
 * --conditions=@food-delivery/source load/traffic/main.ts` (what `npm start -- --traffic` and compose run).
 * Settings: load/traffic/env.ts.
 */
import { EnvValidationError } from '@food-delivery/config';
import { flushTracing } from '@food-delivery/observability/tracing';
import pino from 'pino';
import { buildControlApi } from './api';
import { trafficEnv } from './env';
import { TrafficGenerator } from './generator';

async function main(): Promise<void> {
  const env = trafficEnv();
  const logger = pino({ level: env.LOG_LEVEL, base: { service: 'traffic-generator' } });
  const services = {
    user: env.USER_SERVICE_URL,
    restaurant: env.RESTAURANT_SERVICE_URL,
    order: env.ORDER_SERVICE_URL,
  };
  const generator = new TrafficGenerator({
    target: env.TRAFFIC_GATEWAY_URL
      ? { mode: 'gateway', baseUrl: env.TRAFFIC_GATEWAY_URL, services, adminKey: env.TRAFFIC_ADMIN_KEY }
      : { mode: 'direct', baseUrl: env.ORDER_SERVICE_URL, services, adminKey: env.TRAFFIC_ADMIN_KEY },
    rate: Math.min(env.TRAFFIC_RATE, env.TRAFFIC_MAX_RATE),
    maxRate: env.TRAFFIC_MAX_RATE,
    menus: env.TRAFFIC_MENUS,
    sessions: env.TRAFFIC_SESSIONS,
    maxSessions: env.TRAFFIC_MAX_SESSIONS,
    maxInFlight: env.TRAFFIC_MAX_IN_FLIGHT,
    timeoutMs: env.TRAFFIC_TIMEOUT_MS,
    stock: {
      low: env.TRAFFIC_STOCK_LOW,
      refill: env.TRAFFIC_STOCK_REFILL,
      checkMs: env.TRAFFIC_STOCK_CHECK_MS,
    },
    logger,
  });
  // The control API answers at once (GET /state says whether traffic runs); the journeys start once the
  // services answer.
  const api = buildControlApi(generator);
  const url = await api.listen({ host: env.TRAFFIC_HOST, port: env.TRAFFIC_PORT });
  logger.info(
    { url },
    `traffic-generator control API on ${url} (GET /state, POST /rate, /mix, /start, /stop)`,
  );

  const stopping = new AbortController();
  const shutdown = async (signal: string) => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    logger.info({ signal }, 'stopping the traffic');
    await generator.close();
    await api.close();
    await flushTracing();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await generator.start(stopping.signal);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof EnvValidationError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
