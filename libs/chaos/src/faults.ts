import { RouteMatcher } from './route-pattern';

/** Knobs every service has. */
export const GENERIC_KNOBS = ['delay', 'error'] as const;
/** Knobs a service opts into with ChaosModule.forRoot({ knobs }). */
export const SERVICE_KNOBS = ['inventory_delay', 'payment_fail'] as const;
export const FAULT_TYPES = [...GENERIC_KNOBS, ...SERVICE_KNOBS] as const;

export type ServiceKnob = (typeof SERVICE_KNOBS)[number];
export type FaultType = (typeof FAULT_TYPES)[number];

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

interface FaultMeta {
  /** Replica the fault is limited to (its INSTANCE_ID); null: every replica. */
  instance: string | null;
  /** ISO time it was set. */
  set_at: string;
  /** INSTANCE_ID of the replica that accepted the change. */
  set_by: string;
  /** ISO time it expires on its own; null: never. */
  expires_at: string | null;
}

export interface DelayFault extends FaultMeta {
  type: 'delay';
  delay_ms: number;
  jitter_ms: number;
  percent: number;
  routes: string[] | null;
}

export interface ErrorFault extends FaultMeta {
  type: 'error';
  percent: number;
  status: number;
  routes: string[] | null;
}

export interface InventoryDelayFault extends FaultMeta {
  type: 'inventory_delay';
  delay_ms: number;
  percent: number;
}

export interface PaymentFailFault extends FaultMeta {
  type: 'payment_fail';
  fail_percent: number;
}

export type Fault = DelayFault | ErrorFault | InventoryDelayFault | PaymentFailFault;
export type FaultOf<T extends FaultType> = Extract<Fault, { type: T }>;

/** One fault per type and target: `delay` (every replica) and `delay@user-2` (only replica user-2) can coexist. */
export function faultId(type: FaultType, instance: string | null): string {
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
export function coversRoute(fault: DelayFault | ErrorFault, path: string, template?: string): boolean {
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
export function pickDelay(fault: DelayFault): number {
  if (!fault.jitter_ms) return fault.delay_ms;
  const offset = Math.round((Math.random() * 2 - 1) * fault.jitter_ms);
  return Math.max(0, fault.delay_ms + offset);
}

const isNumberIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
const isIntIn = (value: unknown, min: number, max: number): value is number =>
  Number.isInteger(value) && isNumberIn(value, min, max);
const isIsoOrNull = (value: unknown): value is string | null =>
  value === null || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
const isRoutes = (value: unknown): value is string[] | null => {
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
 * written anything, and a bad value must be skipped, never crash the request path. Returns a clean copy.
 */
export function parseFault(raw: unknown): Fault | null {
  if (!raw || typeof raw !== 'object') return null;
  const value = raw as Record<string, unknown>;
  const instance = value.instance ?? null;
  if (instance !== null && (typeof instance !== 'string' || !INSTANCE_ID_PATTERN.test(instance))) return null;
  if (typeof value.set_by !== 'string' || !isIsoOrNull(value.set_at) || value.set_at === null) return null;
  if (!isIsoOrNull(value.expires_at ?? null)) return null;
  const meta: FaultMeta = {
    instance,
    set_at: value.set_at,
    set_by: value.set_by,
    expires_at: (value.expires_at as string | null | undefined) ?? null,
  };
  const routes = value.routes ?? null;
  switch (value.type) {
    case 'delay':
      if (!isIntIn(value.delay_ms, 1, CHAOS_LIMITS.maxDelayMs)) return null;
      if (!isIntIn(value.jitter_ms ?? 0, 0, CHAOS_LIMITS.maxJitterMs)) return null;
      if (!isNumberIn(value.percent, 0, 100) || !isRoutes(routes)) return null;
      return {
        type: 'delay',
        delay_ms: value.delay_ms,
        jitter_ms: (value.jitter_ms as number | undefined) ?? 0,
        percent: value.percent,
        routes,
        ...meta,
      };
    case 'error':
      if (!isNumberIn(value.percent, 0, 100) || !isRoutes(routes)) return null;
      if (!isIntIn(value.status, CHAOS_LIMITS.minErrorStatus, CHAOS_LIMITS.maxErrorStatus)) return null;
      return { type: 'error', percent: value.percent, status: value.status, routes, ...meta };
    case 'inventory_delay':
      if (!isIntIn(value.delay_ms, 1, CHAOS_LIMITS.maxDelayMs) || !isNumberIn(value.percent, 0, 100)) {
        return null;
      }
      return { type: 'inventory_delay', delay_ms: value.delay_ms, percent: value.percent, ...meta };
    case 'payment_fail':
      if (!isNumberIn(value.fail_percent, 0.000001, 100)) return null;
      return { type: 'payment_fail', fail_percent: value.fail_percent, ...meta };
    default:
      return null;
  }
}

/** Short human description for log lines. */
export function describeFault(fault: Fault): string {
  const target = fault.instance ? ` on ${fault.instance}` : '';
  const ttl = fault.expires_at ? ` until ${fault.expires_at}` : '';
  switch (fault.type) {
    case 'delay':
      return `delay ${fault.delay_ms}ms${fault.jitter_ms ? `±${fault.jitter_ms}` : ''} on ${fault.percent}%${
        fault.routes ? ` of ${fault.routes.join(',')}` : ''
      }${target}${ttl}`;
    case 'error':
      return `error ${fault.status} on ${fault.percent}%${fault.routes ? ` of ${fault.routes.join(',')}` : ''}${target}${ttl}`;
    case 'inventory_delay':
      return `inventory_delay ${fault.delay_ms}ms on ${fault.percent}%${target}${ttl}`;
    case 'payment_fail':
      return `payment_fail ${fault.fail_percent}%${target}${ttl}`;
  }
}
