// Shared by deploy/test (Kubernetes) and tests/compose (Docker Compose, Dockerfile): what the services accept,
// and how the official nginx image turns the gateway template into a config that nginx can check.
import { BaseEnv, EnvValidationError, validateEnv } from '@food-delivery/config';
import type { ClassConstructor } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { OrderEnv } from '../../services/order/src/order.env';
import { RestaurantEnv } from '../../services/restaurant/src/restaurant.env';
import { UserEnv } from '../../services/user/src/user.env';

export const ROOT = join(__dirname, '..', '..');
export const TEMPLATE_PATH = join(ROOT, 'gateway', 'nginx.conf.template');

export type ServiceName = 'user' | 'restaurant' | 'order';
export const SERVICES: ServiceName[] = ['user', 'restaurant', 'order'];

const ENV_CLASSES: Record<ServiceName, ClassConstructor<BaseEnv>> = {
  user: UserEnv,
  restaurant: RestaurantEnv,
  order: OrderEnv,
};

/**
 * Variables a service may be given besides its env class: the OpenTelemetry SDK's own, and the deployment
 * environment that libs/observability's tracing puts on every span.
 */
export const EXTERNAL_ENV = /^(OTEL_[A-Z0-9_]+|DEPLOYMENT_ENVIRONMENT)$/;

/** Every variable the service's env class declares (validated or not). */
export function envNames(service: ServiceName): Set<string> {
  const envClass = ENV_CLASSES[service];
  const names = new Set(Object.keys(new envClass()));
  for (const metadata of getMetadataStorage().getTargetValidationMetadatas(envClass, '', true, false)) {
    names.add(metadata.propertyName);
  }
  return names;
}

/** Names the service would not read (typos, another service's settings). */
export function unknownEnv(service: ServiceName, env: Record<string, string>): string[] {
  const known = envNames(service);
  return Object.keys(env).filter((name) => !known.has(name) && !EXTERNAL_ENV.test(name));
}

/** Runs the service's own boot-time validation on `env`: [] when it would start, else its complaints. */
export function envProblems(service: ServiceName, env: Record<string, string>): string[] {
  try {
    validateEnv(ENV_CLASSES[service], env, `${service}-service`);
    return [];
  } catch (error) {
    if (error instanceof EnvValidationError) return error.problems;
    throw error;
  }
}

/** The service's settings once validated (defaults filled in), e.g. its PORT. */
export function resolvedEnv(service: ServiceName, env: Record<string, string> = {}): Record<string, unknown> {
  return validateEnv(ENV_CLASSES[service], env) as unknown as Record<string, unknown>;
}

export function defaultPort(service: ServiceName): number {
  return new ENV_CLASSES[service]().PORT;
}

/** The ${NAME} variables the gateway template uses. */
export function templateVariables(template = readFileSync(TEMPLATE_PATH, 'utf8')): string[] {
  return [...new Set([...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1]))].sort();
}

/** nginx directives on one line, whatever the whitespace between them. */
export function normalizeDirectives(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** `server host:port …;` lines → the host:port addresses. */
export function upstreamAddresses(servers: string): string[] {
  return [...servers.matchAll(/server\s+([^\s;]+)/g)].map((match) => match[1]);
}

/**
 * What the official nginx image's /docker-entrypoint.d/20-envsubst-on-templates.sh does: `envsubst` with the list of
 * defined variables matching NGINX_ENVSUBST_FILTER (unset: all of them), so anything else stays as written.
 */
export function envsubstLikeNginxImage(template: string, env: Record<string, string>): string {
  const filter = new RegExp(env.NGINX_ENVSUBST_FILTER ?? '');
  const names = Object.keys(env).filter((name) => filter.test(name));
  const result = spawnSync('envsubst', [names.map((name) => `\${${name}}`).join(' ')], {
    input: template,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`envsubst failed: ${result.stderr}`);
  return result.stdout;
}

export interface NginxCheck {
  ok: boolean;
  output: string;
  /** `namespace`: the exact config, with the host names in a private /etc/hosts; `rewritten`: host names → 127.0.0.1. */
  mode: 'namespace' | 'rewritten';
}

/**
 * `nginx -t` on a config rendered for a container. Its upstream host names (compose services, Kubernetes Services)
 * do not resolve here and its runtime directory may not exist, so, as root, the check runs in a private mount
 * namespace where /etc/hosts maps those names to 127.0.0.1 and the runtime directory is a fresh tmpfs: the config
 * is checked byte for byte, in its own network namespace (nginx -t binds the listen port, which may be taken here).
 * Elsewhere the names are rewritten to 127.0.0.1, the runtime dir to a temp dir and the port to a free one.
 */
export function nginxCheck(
  config: string,
  { hosts, runtimeDir }: { hosts: string[]; runtimeDir: string },
): NginxCheck {
  const work = mkdtempSync(join(tmpdir(), 'fd-nginx-check-'));
  // nginx reopens /dev/stderr (GATEWAY_ERROR_LOG): give it a file, as a container runtime gives it a pipe
  // (Node's own stdio pipes are sockets, which cannot be reopened that way).
  const outputPath = join(work, 'output');
  const run = (
    command: string,
    args: string[],
    options: { input?: string; env?: NodeJS.ProcessEnv } = {},
  ) => {
    const output = openSync(outputPath, 'w');
    try {
      const result = spawnSync(command, args, { ...options, stdio: ['pipe', output, output] });
      return { status: result.status, output: readFileSync(outputPath, 'utf8') };
    } finally {
      closeSync(output);
    }
  };
  try {
    const hostsFile = join(work, 'hosts');
    writeFileSync(hostsFile, `127.0.0.1 localhost\n::1 localhost\n127.0.0.1 ${hosts.join(' ')}\n`);
    let tmpfsAt = runtimeDir;
    while (!existsSync(tmpfsAt)) tmpfsAt = dirname(tmpfsAt);
    if (tmpfsAt !== '/' && process.getuid?.() === 0) {
      const script = [
        'set -e',
        'mount --bind "$HOSTS_FILE" /etc/hosts',
        'mount -t tmpfs tmpfs "$TMPFS_AT"',
        'mkdir -p "$RUNTIME_DIR"',
        'cat > "$RUNTIME_DIR/.nginx-check.conf"',
        'exec nginx -t -e stderr -c "$RUNTIME_DIR/.nginx-check.conf"',
      ].join('\n');
      // Own mount namespace (hosts file, runtime dir) and network namespace (nginx -t binds the listen port).
      const result = run('unshare', ['--mount', '--net', '--propagation', 'private', 'sh', '-c', script], {
        input: config,
        env: { ...process.env, HOSTS_FILE: hostsFile, TMPFS_AT: tmpfsAt, RUNTIME_DIR: runtimeDir },
      });
      // unshare/mount refused (no CAP_SYS_ADMIN in this sandbox): fall through to the rewritten check.
      if (!/unshare failed|mount: .*(permission denied|not permitted)/i.test(result.output)) {
        return { ok: result.status === 0, output: result.output, mode: 'namespace' };
      }
    }
    let rewritten = config.split(`${runtimeDir}/`).join(`${work}/`);
    for (const host of hosts) rewritten = rewritten.split(`server ${host}:`).join('server 127.0.0.1:');
    rewritten = rewritten.replace(/^(\s*listen\s+)\d+;/m, `$1127.0.0.1:${freePortSync()};`);
    const path = join(work, 'nginx.conf');
    writeFileSync(path, rewritten);
    const result = run('nginx', ['-t', '-e', 'stderr', '-c', path]);
    return { ok: result.status === 0, output: result.output, mode: 'rewritten' };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** nginx -t binds its listen port: outside a network namespace, use one that is free and unprivileged. */
function freePortSync(): number {
  const script =
    "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })";
  return Number(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout.trim());
}

/** Parses `host:port` out of an http(s) URL, with the scheme's default port. */
export function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(
      parsed.port || (parsed.protocol === 'https:' ? 443 : parsed.protocol === 'redis:' ? 6379 : 80),
    ),
  };
}

/** A tag that names a release (digits), not a moving one like `latest` or `alpine`. */
export function isPinnedImage(image: string): boolean {
  const match = /^(?:[^/]+\/)*[^/:@]+(?::([^@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(image);
  if (!match) return false;
  if (image.includes('@sha256:')) return true;
  const tag = match[1];
  return !!tag && /^v?\d+(\.\d+)+([-.][A-Za-z0-9.]+)*$/.test(tag);
}
