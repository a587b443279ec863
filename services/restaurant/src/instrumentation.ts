// Preloaded with `node --require ./dist/instrumentation.js dist/main.js`: tracing must start before pg, ioredis,
// pino and fastify are first loaded, so main.ts never imports this file.
import { startTracing } from '@food-delivery/observability/tracing';

startTracing({ serviceName: 'restaurant-service' });
