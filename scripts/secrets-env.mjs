#!/usr/bin/env node
// Fresh secrets for the deployments that cannot generate their own, written into git-ignored env files (a line
// already there is kept). Without them compose and the Kubernetes dev overlay refuse to start: no secret of the
// system is a constant anywhere. (`npm start` keeps its own in .data/secrets.env.)
//   npm run compose:env          → .env beside docker-compose.yml
//   npm run kube:dev-secrets     → deploy/overlays/dev/secrets.env (the dev overlay's Secret)
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every secret docker-compose.yml requires, with what it is for. */
export const COMPOSE_SECRETS = {
  POSTGRES_PASSWORD: 'password of the postgres user',
  ORDER_SERVICE_CLIENT_SECRET: "the order service's client secret at the user service (POST /token)",
  CHAOS_API_KEY: 'X-Chaos-Key for fault changes from outside the machine running the services',
  RESTAURANT_ADMIN_API_KEY: 'X-Admin-Key for /admin/* from outside the machine running the services',
  GRAFANA_ADMIN_PASSWORD:
    "Grafana's password for the user admin (observability profile, http://localhost:3000)",
};

/** A fresh random secret (24 bytes, base64url). */
export const freshSecret = () => randomBytes(24).toString('base64url');
const fresh = freshSecret;

/** A fresh value for each compose secret. */
export function generateComposeSecrets() {
  return Object.fromEntries(Object.keys(COMPOSE_SECRETS).map((name) => [name, fresh()]));
}

/** The keys of the Kubernetes dev overlay's Secret `food-delivery-secrets`, fresh, for its throwaway Postgres. */
export function generateKubernetesDevSecrets() {
  const [postgres, client] = [fresh(), fresh()];
  return {
    DATABASE_URL: `postgres://postgres:${postgres}@postgres:5432/food_delivery`,
    REDIS_URL: 'redis://redis:6379',
    POSTGRES_PASSWORD: postgres,
    SERVICE_CLIENTS: `order-service:${client}`,
    SERVICE_CLIENT_SECRET: client,
    CHAOS_API_KEY: fresh(),
    ADMIN_API_KEY: fresh(),
  };
}

/** `KEY=value` lines of an env file. */
export function parseEnvFile(text) {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line))
      .filter(Boolean)
      .map((match) => [match[1], match[2].trim()]),
  );
}

/**
 * Adds the `generated` values missing from the env file at `path` (mode 0600; `header` starts a new file);
 * returns the names it added.
 */
export function ensureEnvFile(path, generated, comments = {}, header = '') {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : header;
  const present = parseEnvFile(text);
  const missing = Object.keys(generated).filter((name) => !present[name]);
  if (missing.length === 0) return [];
  const lines = missing.map(
    (name) => `${comments[name] ? `# ${comments[name]}\n` : ''}${name}=${generated[name]}`,
  );
  const head = text && !text.endsWith('\n') ? `${text}\n` : text;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${head}${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return missing;
}

export const TARGETS = {
  compose: {
    path: fileURLToPath(new URL('../.env', import.meta.url)),
    generate: generateComposeSecrets,
    comments: COMPOSE_SECRETS,
    reader: 'docker compose',
  },
  'kubernetes-dev': {
    path: fileURLToPath(new URL('../deploy/overlays/dev/secrets.env', import.meta.url)),
    generate: generateKubernetesDevSecrets,
    comments: {},
    reader: 'kubectl apply -k deploy/overlays/dev',
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = TARGETS[process.argv[2]];
  if (!target) {
    process.stderr.write(`usage: node scripts/secrets-env.mjs ${Object.keys(TARGETS).join('|')}\n`);
    process.exit(2);
  }
  const added = ensureEnvFile(target.path, target.generate(), target.comments);
  process.stdout.write(
    added.length
      ? `wrote ${added.join(', ')} to ${target.path} (keep it private; ${target.reader} reads it)\n`
      : `${target.path} already has every secret\n`,
  );
}
