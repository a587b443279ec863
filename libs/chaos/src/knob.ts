import type { Type } from '@nestjs/common';
import type { Fault } from './faults';

/** What every knob body may carry besides its own settings (validated by the knob's DTO). */
export interface KnobRequest {
  ttl_s?: number;
  instance?: string;
}

/** What a process-level knob gets while it runs on a replica. */
export interface KnobRuntime {
  readonly service: string;
  readonly instanceId: string;
  /** Records one injection: log line, span event, chaos_injections_total. */
  injected(details: Record<string, string | number>, message: string): void;
  /** Logs through the chaos logger (the knob's own lines). */
  log(message: string): void;
  /** Clears this fault on every replica it applies to (shared through Redis), e.g. a one-shot crash. */
  clear(): Promise<void>;
}

/**
 * One chaos knob: its endpoint (`POST /chaos/<name>`), body, how a body becomes stored settings, how stored
 * settings are checked when they come back from Redis, and (for process-level knobs) what runs while it is in
 * force. Request-path knobs are read by their owner through ChaosService.active(name).
 *
 * A service or lib owns its knobs: it defines them in one file and passes them to ChaosModule.forRoot({ knobs }).
 */
export interface ChaosKnob<S extends object = object, D extends KnobRequest = KnobRequest> {
  /** Path segment and fault type, e.g. "payment_fail". */
  readonly name: string;
  /** Swagger summary and description of POST /chaos/<name>. */
  readonly summary: string;
  readonly description: string;
  /** class-validator DTO of the body (bounds live here: a body out of bounds is a 400 and changes nothing). */
  readonly body: Type<D>;
  readonly examples: Record<string, { summary: string; value: Record<string, unknown> }>;
  /** The settings the body asks for, or null when the body switches the knob off. */
  settings(body: D): S | null;
  /** Checks settings read from Redis or pub/sub (another replica may have written anything); null: skip. */
  parse(raw: Record<string, unknown>): S | null;
  /** Short human description for log lines. */
  describe(settings: S): string;
  /** TTL (s) when the body gives none: destructive knobs end by themselves. */
  readonly defaultTtlS?: number;
  /**
   * Process-level knobs: starts the fault on this replica and returns how to stop it. Called when the fault
   * comes into force here (set locally, received from another replica, loaded at startup) and stopped on clear,
   * reset, expiry, replacement and shutdown.
   */
  run?(fault: Fault<S>, runtime: KnobRuntime): () => void;
}

/** Identity with type inference: `export const paymentFailKnob = defineKnob<Settings, Dto>({ ... })`. */
export function defineKnob<S extends object, D extends KnobRequest>(knob: ChaosKnob<S, D>): ChaosKnob<S, D> {
  return knob;
}

/** Erased form kept in registries. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyChaosKnob = ChaosKnob<any, any>;

// ---- helpers for parse() ----

export const isNumberIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
export const isIntIn = (value: unknown, min: number, max: number): value is number =>
  Number.isInteger(value) && isNumberIn(value, min, max);

/** `match` of a targeted fault: it hits only these menus and/or users. */
export interface FaultMatch {
  menu_id?: number[];
  user_id?: number[];
}

export const MAX_MATCH_IDS = 100;

export function parseMatch(value: unknown): FaultMatch | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const raw = value as Record<string, unknown>;
  const match: FaultMatch = {};
  for (const key of ['menu_id', 'user_id'] as const) {
    const ids = raw[key];
    if (ids === undefined) continue;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > MAX_MATCH_IDS ||
      !ids.every((id) => isIntIn(id, 1, 2_147_483_647))
    ) {
      return undefined;
    }
    match[key] = ids;
  }
  return match.menu_id || match.user_id ? match : null;
}

/**
 * Whether a targeted fault covers this call. No match: every call. With both lists, a call must satisfy each
 * list it has a value for; a call that carries none of the matched ids is not hit.
 */
export function covers(
  match: FaultMatch | null | undefined,
  call: { menuIds?: readonly number[]; userId?: number | null },
): boolean {
  if (!match) return true;
  if (match.menu_id && !(call.menuIds ?? []).some((id) => match.menu_id?.includes(id))) return false;
  if (match.user_id && (call.userId == null || !match.user_id.includes(call.userId))) return false;
  return true;
}

export const describeMatch = (match: FaultMatch | null | undefined): string =>
  !match
    ? ''
    : ` for ${[
        match.menu_id ? `menu ${match.menu_id.join(',')}` : '',
        match.user_id ? `user ${match.user_id.join(',')}` : '',
      ]
        .filter(Boolean)
        .join(' and ')}`;
