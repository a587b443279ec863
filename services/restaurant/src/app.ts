import { validateEnv } from '@food-delivery/config';
import { createServiceApp } from '@food-delivery/http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, SERVICE } from './app.module';
import { RestaurantEnv } from './restaurant.env';

/** Builds the restaurant service from an environment (process.env in production, explicit values in tests). */
export async function createRestaurantApp(
  source: Record<string, unknown> = process.env,
): Promise<NestFastifyApplication> {
  const env = validateEnv(RestaurantEnv, source, SERVICE);
  return createServiceApp(AppModule.forRoot(env), {
    env,
    docs: {
      title: 'Restaurant Service',
      description:
        'Restaurants, Redis-cached menus and inventory that is never oversold: pessimistic row locks, and an ' +
        'idempotent reservation ledger keyed by order id for the order service. `GET /inventory/audit` checks ' +
        'the stock invariant. Part of the food-delivery chaos/observability playground.',
      tags: [
        { name: 'menus', description: '🍜 Menus (Redis-cached, see X-Cache)' },
        { name: 'restaurants', description: '🏪 Restaurants' },
        { name: 'inventory', description: '📦 Stock updates under row locks, and the invariant audit' },
        { name: 'reservations', description: '🧾 Reservations for orders (idempotent by order_id)' },
        { name: 'admin', description: '🛠️ Load-test helpers (X-Admin-Key)' },
        { name: 'health', description: '❤️ Liveness and readiness' },
      ],
    },
  });
}
