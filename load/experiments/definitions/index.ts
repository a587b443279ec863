/** The shipped experiments: TypeScript modules below, plus every *.json file in this folder. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { ExperimentDefinition } from '../model';
import cacheFailure from './cache-failure';
import cachingExperiment from './caching';
import cancelReorder from './cancel-reorder';
import concurrentOrders from './concurrent-orders';
import crashKnob from './crash-knob';
import cpuSaturation from './cpu-saturation';
import delayInjection from './delay-injection';
import dependencyLatency from './dependency-latency';
import eventLoopBlock from './event-loop-block';
import gcPressure from './gc-pressure';
import hang from './hang';
import interService from './inter-service';
import memoryLeak from './memory-leak';
import orderCrash from './order-crash';
import paymentFailure from './payment-failure';
import readinessFail from './readiness-fail';
import redisDependency from './redis-dependency';
import redisOutage from './redis-outage';
import slowRestaurantReplica from './slow-restaurant-replica';
import targetedDelay from './targeted-delay';
import targetedPaymentFailure from './targeted-payment-failure';

/** The original spec's six load-test scenarios, in its order. */
export const SPEC_SCENARIOS = [
  'payment-failure',
  'concurrent-orders',
  'cancel-reorder',
  'caching',
  'inter-service',
  'delay-injection',
] as const;

/** One per knob added by issue 20; they run (shortened) in npm test like the spec scenarios. */
export const KNOB_EXPERIMENTS = [
  'dependency-latency',
  'targeted-payment-failure',
  'readiness-fail',
  'cpu-saturation',
  'event-loop-block',
  'memory-leak',
  'gc-pressure',
  'hang',
  'cache-failure',
  'redis-dependency',
  'targeted-delay',
] as const;

/**
 * Knob experiments that need a stack of their own (a gateway, replicas, a process to kill): npm test runs them
 * (shortened) each on the stack its definition asks for.
 */
export const OWN_STACK_KNOB_EXPERIMENTS = ['crash-knob'] as const;

const TYPESCRIPT: Record<string, ExperimentDefinition> = {
  'payment-failure': paymentFailure,
  'concurrent-orders': concurrentOrders,
  'cancel-reorder': cancelReorder,
  caching: cachingExperiment,
  'inter-service': interService,
  'delay-injection': delayInjection,
  'redis-outage': redisOutage,
  'order-crash': orderCrash,
  'crash-knob': crashKnob,
  'slow-restaurant-replica': slowRestaurantReplica,
  'dependency-latency': dependencyLatency,
  'targeted-payment-failure': targetedPaymentFailure,
  'readiness-fail': readinessFail,
  'cpu-saturation': cpuSaturation,
  'event-loop-block': eventLoopBlock,
  'memory-leak': memoryLeak,
  'gc-pressure': gcPressure,
  hang,
  'cache-failure': cacheFailure,
  'redis-dependency': redisDependency,
  'targeted-delay': targetedDelay,
};

function jsonDefinitions(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(__dirname)
      .filter((file) => file.endsWith('.json'))
      .map((file) => [basename(file, '.json'), join(__dirname, file)]),
  );
}

export function experimentNames(): string[] {
  return [...Object.keys(TYPESCRIPT), ...Object.keys(jsonDefinitions())];
}

function readJson(path: string): ExperimentDefinition {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ExperimentDefinition;
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** A shipped experiment by name, or a definition file (.json, or a .ts/.js module exporting it as default). */
export function loadDefinition(nameOrPath: string): ExperimentDefinition {
  if (TYPESCRIPT[nameOrPath]) return TYPESCRIPT[nameOrPath];
  const json = jsonDefinitions()[nameOrPath];
  if (json) return readJson(json);
  const path = resolve(nameOrPath);
  if (existsSync(path)) {
    if (extname(path) === '.json') return readJson(path);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(path) as { default?: ExperimentDefinition };
    if (!loaded.default) throw new Error(`${path} has no default export`);
    return loaded.default;
  }
  throw new Error(
    `no experiment "${nameOrPath}" (known: ${experimentNames().join(', ')}; or a path to a .json/.ts definition)`,
  );
}
