import { validateEnv } from '@food-delivery/config';
import { createServiceApp } from '@food-delivery/http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, SERVICE } from './app.module';
import { UserEnv } from './user.env';

/** Builds the user service from an environment (process.env in production, explicit values in tests). */
export async function createUserApp(
  source: Record<string, unknown> = process.env,
): Promise<NestFastifyApplication> {
  const env = validateEnv(UserEnv, source, SERVICE);
  return createServiceApp(AppModule.forRoot(env), {
    env,
    docs: {
      title: 'User Service',
      description:
        'Sign-up, login and user validation. Tokens are RS256 JWTs; other services verify them with ' +
        '`/.well-known/jwks.json`. Part of the food-delivery chaos/observability playground.',
      tags: [
        { name: 'auth', description: '🔐 Login and token keys' },
        { name: 'users', description: '👤 Accounts and validation' },
        { name: 'health', description: '❤️ Liveness and readiness' },
      ],
    },
  });
}
