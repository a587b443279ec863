import type { FaultMatch } from './knob';
import { covers } from './knob';

/** What a request is about, for a targeted (`match`) delay or error. */
export interface RequestTargets {
  menuIds: number[];
  userId: number | null;
}

/** The parts of a request the decision reads (Fastify's, after routing and body parsing). */
export interface RequestFacts {
  /** Route template, e.g. "/menus/:id". */
  template?: string;
  params?: unknown;
  body?: unknown;
  authorization?: string;
}

const MAX_ITEMS = 100;

const asId = (value: unknown): number | null => {
  const id = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  return typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= 2_147_483_647 ? id : null;
};

const record = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/**
 * The numeric `sub` of a bearer token's payload, read without verifying it: it only picks whom a fault hits
 * (the auth guard verifies the token afterwards; a forged token can only aim a fault at its own request).
 * Service tokens ("service:…") carry no user.
 */
export function tokenUserId(authorization: string | undefined): number | null {
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{1,4096})\.[A-Za-z0-9_-]*$/.exec(
    authorization ?? '',
  );
  if (!match) return null;
  try {
    const claims = record(JSON.parse(Buffer.from(match[2], 'base64url').toString('utf8')));
    return asId(claims?.sub);
  } catch {
    return null;
  }
}

/**
 * Which menus and which user a request concerns: `/menus/:id` and `/inventory/:menuId` paths, `menu_id` and
 * `items[].menu_id` in the body (an order, a reservation); the user of a body's `user_id` (a service call on
 * a user's behalf), of `/users/:id`, or else of the bearer token.
 */
export function requestTargets(facts: RequestFacts): RequestTargets {
  const params = record(facts.params) ?? {};
  const body = record(facts.body) ?? {};
  const template = facts.template ?? '';
  const menuIds = new Set<number>();
  const add = (value: unknown) => {
    const id = asId(value);
    if (id !== null) menuIds.add(id);
  };
  if (template.startsWith('/menus/')) add(params.id);
  add(params.menuId);
  add(params.menu_id);
  add(body.menu_id);
  if (Array.isArray(body.items)) {
    for (const item of body.items.slice(0, MAX_ITEMS)) add(record(item)?.menu_id);
  }
  const userId =
    asId(body.user_id) ??
    (template.startsWith('/users/') ? asId(params.id) : null) ??
    tokenUserId(facts.authorization);
  return { menuIds: [...menuIds], userId };
}

/** Whether a delay or error with this `match` hits this request (no match: every request). */
export function matchesRequest(match: FaultMatch | null | undefined, facts: RequestFacts): boolean {
  return !match || covers(match, requestTargets(facts));
}
