/**
 * npm run experiment -- <name | definition.json | definition.ts> [options]
 * Runs a chaos experiment (steady-state hypothesis, method, rollbacks) and writes results/<name>-<timestamp>/.
 * Exit code: 0 when the hypothesis held before, during and after; 1 otherwise; 2 on bad usage.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDefinition, experimentNames } from './definitions';
import { grafanaConfigFromEnv } from './grafana';
import {
  needsOwnStack,
  resolveDefinition,
  stretchLatencyBounds,
  validateExperiment,
  type Experiment,
  type ExperimentContext,
} from './model';
import { runExperiment } from './runner';
import { startStack, type Stack } from './stack';
import { isGateway, type Target } from './target';
import { parseEnvFile } from '../../scripts/local-secrets.mjs';

/** The gateway `npm start` runs when nginx is installed. */
const LOCAL_GATEWAY_URL = `http://localhost:${process.env.GATEWAY_PORT ?? '8080'}`;

/** Where the load goes without --base-url: npm start's gateway when one answers there, else the order service. */
export async function defaultBaseUrl(
  gatewayUrl = LOCAL_GATEWAY_URL,
  orderUrl = 'http://localhost:8003',
): Promise<string> {
  return (await isGateway(gatewayUrl)) ? gatewayUrl : orderUrl;
}

/** The keys `npm start` generated for this installation (.data/secrets.env), when there are any. */
function localSecrets(): Record<string, string> {
  const file = join(process.env.FD_DATA_DIR ?? join(__dirname, '..', '..', '.data'), 'secrets.env');
  return existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
}

const USAGE = `Usage: npm run experiment -- <name | file.json | file.ts> [options]

Experiments: ${experimentNames().join(', ')}

Target (default: the services of \`npm start\` on localhost):
  --base-url URL         where the load goes: the gateway (detected by its /health; then /api/... routes are
                         used) or the order service. Default: npm start's gateway http://localhost:8080 when it
                         answers, else the order service http://localhost:8003
  --user-url URL         user service, for chaos (default http://localhost:8001)
  --restaurant-url URL   restaurant service, for chaos, audit and stock reset (default http://localhost:8002)
  --order-url URL        order service, for chaos and the audit (default: --base-url, or http://localhost:8003)
  --chaos-key KEY        X-Chaos-Key when the services have CHAOS_API_KEY (default $CHAOS_API_KEY, else the
                         one npm start generated in .data/secrets.env)
  --admin-key KEY        restaurant ADMIN_API_KEY, to reset stock before the run (default $ADMIN_API_KEY, else
                         .data/secrets.env's)
  --start-stack          start an own stack instead: a fresh database and Redis prefix on the local Postgres and
                         Redis ($TEST_DATABASE_URL, $TEST_REDIS_URL), the services as processes, a TCP proxy in
                         front of Redis, and the replicas / NGINX gateway the experiment needs; removed afterwards

Run:
  --duration-scale N     multiply phase lengths and fault times (e.g. 0.2 for a quick run; default 1)
  --rate-scale N         multiply every arrival rate (default 1)
  --latency-scale N      multiply every latency bound of the hypothesis, for a busy machine (default 1)
  --param key=value      experiment parameter, e.g. --param fail_percent=50 (repeatable)
  --out DIR              results root (default results/)
  --grafana-url URL      Grafana for the report's links (default $GRAFANA_URL or http://localhost:3000)
  --grafana-dashboard ID dashboard uid to link with the run's time range (repeatable; $GRAFANA_DASHBOARDS)
  --service-log-level L  log level of an own stack's services (default warn; logs land in results/…/logs/)
  --list                 list the experiments
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!(number > 0) || !Number.isFinite(number)) fail(`--${name} must be a positive number (got "${value}")`);
  return number;
}

/** `--param` values, typed after each parameter's default. */
export function contextFrom(
  params: string[],
  durationScale: number,
): ExperimentContext & { unused(): string[] } {
  const values = new Map<string, string>();
  for (const param of params) {
    const match = /^([A-Za-z_][\w-]*)=(.*)$/.exec(param);
    if (!match) throw new Error(`--param must look like key=value (got "${param}")`);
    values.set(match[1], match[2]);
  }
  const used = new Set<string>();
  return {
    durationScale,
    param<T extends string | number | boolean>(name: string, fallback: T): T {
      const raw = values.get(name);
      if (raw === undefined) return fallback;
      used.add(name);
      if (typeof fallback === 'number') {
        const number = Number(raw);
        if (!Number.isFinite(number)) throw new Error(`--param ${name} must be a number (got "${raw}")`);
        return number as T;
      }
      if (typeof fallback === 'boolean') return (raw === 'true' || raw === '1') as T;
      return raw as T;
    },
    unused: () => [...values.keys()].filter((name) => !used.has(name)),
  };
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        'start-stack': { type: 'boolean' },
        'base-url': { type: 'string' },
        'user-url': { type: 'string' },
        'restaurant-url': { type: 'string' },
        'order-url': { type: 'string' },
        'chaos-key': { type: 'string' },
        'admin-key': { type: 'string' },
        'duration-scale': { type: 'string' },
        'rate-scale': { type: 'string' },
        'latency-scale': { type: 'string' },
        param: { type: 'string', multiple: true },
        out: { type: 'string' },
        'grafana-url': { type: 'string' },
        'grafana-dashboard': { type: 'string', multiple: true },
        'service-log-level': { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.list) {
    for (const name of experimentNames()) {
      const experiment = resolveDefinition(loadDefinition(name), contextFrom([], 1));
      const tag = experiment.specScenario
        ? `spec ${experiment.specScenario}`
        : needsOwnStack(experiment)
          ? 'own stack'
          : '';
      process.stdout.write(`${name.padEnd(26)}${tag.padEnd(11)}${experiment.title}\n`);
    }
    return 0;
  }
  if (positionals.length !== 1) fail('Name one experiment.');

  const durationScale = positiveNumber('duration-scale', values['duration-scale'], 1);
  const rateScale = positiveNumber('rate-scale', values['rate-scale'], 1);
  let context: ReturnType<typeof contextFrom>;
  let experiment: Experiment;
  try {
    context = contextFrom(values.param ?? [], durationScale);
    experiment = stretchLatencyBounds(
      resolveDefinition(loadDefinition(positionals[0]), context),
      positiveNumber('latency-scale', values['latency-scale'], 1),
    );
  } catch (error) {
    fail((error as Error).message);
  }
  const problems = validateExperiment(experiment);
  if (problems.length) fail(`${positionals[0]} is not a valid experiment:\n  - ${problems.join('\n  - ')}`);
  for (const name of context.unused())
    process.stderr.write(`warning: ${experiment.name} has no parameter "${name}"\n`);
  if (needsOwnStack(experiment) && !values['start-stack']) {
    fail(`${experiment.name} stops or kills processes, which only an own stack allows: add --start-stack.`);
  }

  if (values['start-stack'] && process.env.FD_EXPERIMENT_GROUP !== 'own') return supervise();

  const grafana = grafanaConfigFromEnv();
  if (values['grafana-url']) grafana.url = values['grafana-url'].replace(/\/$/, '');
  if (values['grafana-dashboard']?.length) grafana.dashboards = values['grafana-dashboard'];

  const controller = new AbortController();
  let stack: Stack | undefined;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(`\n${signal}: stopping the load and rolling back (again to quit at once)…\n`);
      controller.abort();
    } else {
      process.stderr.write(`\n${signal} again: quitting without waiting\n`);
      stack?.killNow();
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    let target: Target;
    if (values['start-stack']) {
      if (values['base-url']) process.stderr.write('warning: --base-url is ignored with --start-stack\n');
      process.stdout.write(`Starting an own stack for ${experiment.name}…\n`);
      stack = await startStack(experiment.stack ?? {}, {
        logLevel: values['service-log-level'],
        log: (line) => process.stdout.write(`[stack] ${line}\n`),
      });
      target = stack.target;
      if (controller.signal.aborted) return 1;
    } else {
      const baseUrl = (values['base-url'] ?? (await defaultBaseUrl())).replace(/\/$/, '');
      const viaGateway = await isGateway(baseUrl);
      target = {
        mode: viaGateway ? 'gateway' : 'direct',
        baseUrl,
        services: {
          user: values['user-url'] ?? 'http://localhost:8001',
          restaurant: values['restaurant-url'] ?? 'http://localhost:8002',
          order: values['order-url'] ?? (viaGateway ? 'http://localhost:8003' : baseUrl),
        },
        adminKey: values['admin-key'] ?? process.env.ADMIN_API_KEY ?? localSecrets().ADMIN_API_KEY,
      };
      if (experiment.stack?.gateway && !viaGateway) {
        process.stderr.write(
          `warning: ${experiment.name} is meant to run through the gateway (npm start runs one on :8080 when nginx is installed; --base-url)\n`,
        );
      }
    }
    target.chaosKey =
      values['chaos-key'] ?? process.env.CHAOS_API_KEY ?? (stack ? undefined : localSecrets().CHAOS_API_KEY);
    const result = await runExperiment(experiment, {
      target,
      stack,
      durationScale,
      rateScale,
      resultsDir: values.out,
      signal: controller.signal,
      grafana,
    });
    return result.exitCode; // an interrupted run is not a passing one
  } catch (error) {
    process.stderr.write(`experiment ${experiment.name} could not run: ${(error as Error).message}\n`);
    return 1;
  } finally {
    if (stack) {
      process.stdout.write('[stack] tearing down…\n');
      await stack.teardown();
    }
  }
}

/**
 * With --start-stack the services are this process's children, so a terminal's Ctrl-C (sent to the whole
 * foreground process group) would kill them before the rollbacks run. The experiment therefore runs in a child
 * with its own process group, and this process passes each Ctrl-C on to it alone.
 */
function supervise(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, FD_EXPERIMENT_GROUP: 'own' },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
