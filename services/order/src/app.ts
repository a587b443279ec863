import { EnvValidationError, validateEnv } from '@food-delivery/config';
import { createServiceApp } from '@food-delivery/http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, SERVICE } from './app.module';
import { OrderEnv } from './order.env';

/** Builds the order service from an environment (process.env in production, explicit values in tests). */
export async function createOrderApp(
  source: Record<string, unknown> = process.env,
): Promise<NestFastifyApplication> {
  const env = validateEnv(OrderEnv, source, SERVICE);
  if (env.NODE_ENV === 'production' && env.SAGA_PAUSE_BEFORE_PAYMENT_MS > 0) {
    // A test hook that parks every order must never reach production by accident.
    throw new EnvValidationError(SERVICE, [
      'SAGA_PAUSE_BEFORE_PAYMENT_MS: a test hook, not allowed in production',
    ]);
  }
  return createServiceApp(AppModule.forRoot(env), {
    env,
    docs: {
      title: 'Order Service',
      description:
        'The order saga: validate the user, reserve stock with the restaurant service, pay, then commit, or ' +
        'compensate by releasing the stock. Crash-safe (outbox + recovery loop) and resilient to every chaos ' +
        'knob (timeouts, retries with backoff, circuit breakers). Every order endpoint needs the JWT from the ' +
        "user service's /login. Part of the food-delivery chaos/observability playground.",
      tags: [
        { name: 'orders', description: '🧾 Orders (the saga)' },
        { name: 'audit', description: '⚖️ The stock/order invariant across services' },
        { name: 'health', description: '❤️ Liveness and readiness' },
      ],
    },
  });
}
