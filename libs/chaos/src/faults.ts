import type { AnyChaosKnob } from './knob';
import { RouteMatcher } from './route-pattern';

/** The public bounds (also enforced by the DTOs). */
export const CHAOS_LIMITS = {
  maxDelayMs: 60_000,
  maxJitterMs: 60_000,
  minTtlS: 1,
  maxTtlS: 86_400,
  minErrorStatus: 500,
  maxErrorStatus: 599,
} as const;

/** Same rule as BaseEnv.INSTANCE_ID. */
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface FaultMeta {
  /** Replica the fault is limited to (its INSTANCE_ID); null: every replica. */
  instance: string | null;
  /** ISO time it was set. */
  set_at: string;
  /** INSTANCE_ID of the replica that accepted the change. */
  set_by: string;
  /** ISO time it expires on its own; null: never. */
  expires_at: string | null;
}

/** A fault in force: the knob it belongs to (`type`), where and until when, and the knob's own settings. */
export type Fault<S extends object = object> = FaultMeta & { type: string } & S;

/** One fault per type and target: `delay` (every replica) and `delay@user-2` (only replica user-2) can coexist. */
export function faultId(type: string, instance: string | null): string {
  return instance ? `${type}@${instance}` : type;
}

export function idOf(fault: Fault): string {
  return faultId(fault.type, fault.instance);
}

export function isExpired(fault: Fault, now = Date.now()): boolean {
  return fault.expires_at !== null && Date.parse(fault.expires_at) <= now;
}

/** Milliseconds left before expiry; null when the fault never expires. */
export function remainingMs(fault: Fault, now = Date.now()): number | null {
  return fault.expires_at === null ? null : Date.parse(fault.expires_at) - now;
}

const routeMatchers = new WeakMap<Fault, RouteMatcher>();

/** Whether a request-level fault (delay, error) is scoped to this request's path or route template. */
export function coversRoute(
  fault: Fault<{ routes: string[] | null }>,
  path: string,
  template?: string,
): boolean {
  if (!fault.routes) return true;
  let matcher = routeMatchers.get(fault);
  if (!matcher) {
    matcher = new RouteMatcher(fault.routes);
    routeMatchers.set(fault, matcher);
  }
  return matcher.matches(path, template);
}

/** True with probability percent/100. */
export function roll(percent: number): boolean {
  return percent >= 100 || (percent > 0 && Math.random() * 100 < percent);
}

/** The delay of one request: delay_ms ± a uniform jitter, never negative. */
export function pickDelay(fault: { delay_ms: number; jitter_ms: number }): number {
  if (!fault.jitter_ms) return fault.delay_ms;
  const offset = Math.round((Math.random() * 2 - 1) * fault.jitter_ms);
  return Math.max(0, fault.delay_ms + offset);
}

const isIsoOrNull = (value: unknown): value is string | null =>
  value === null || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));

export const isRoutes = (value: unknown): value is string[] | null => {
  if (value === null) return true;
  if (!Array.isArray(value) || value.length === 0) return false;
  try {
    new RouteMatcher(value as string[]);
    return true;
  } catch {
    return false;
  }
};

/**
 * Validates a fault read from Redis or received over pub/sub: another (older, newer, broken) replica may have
 * written anything, and a bad value must be skipped, never crash the request path. The common fields are
 * checked here, the settings by the knob. Returns a clean copy.
 */
export function parseFault(raw: unknown, knobs: ReadonlyMap<string, AnyChaosKnob>): Fault | null {
  if (!raw || typeof raw !== 'object') return null;
  const value = raw as Record<string, unknown>;
  const knob = typeof value.type === 'string' ? knobs.get(value.type) : undefined;
  if (!knob) return null;
  const instance = value.instance ?? null;
  if (instance !== null && (typeof instance !== 'string' || !INSTANCE_ID_PATTERN.test(instance))) return null;
  if (typeof value.set_by !== 'string' || !isIsoOrNull(value.set_at) || value.set_at === null) return null;
  if (!isIsoOrNull(value.expires_at ?? null)) return null;
  const settings = knob.parse(value) as object | null;
  if (!settings) return null;
  return {
    type: knob.name,
    ...settings,
    instance,
    set_at: value.set_at,
    set_by: value.set_by,
    expires_at: (value.expires_at as string | null | undefined) ?? null,
  };
}

/** Short human description for log lines. */
export function describeFault(fault: Fault, knobs: ReadonlyMap<string, AnyChaosKnob>): string {
  const target = fault.instance ? ` on ${fault.instance}` : '';
  const ttl = fault.expires_at ? ` until ${fault.expires_at}` : '';
  const knob = knobs.get(fault.type);
  return `${knob ? knob.describe(fault) : fault.type}${target}${ttl}`;
}
