import { ChaosDelayDto, ChaosErrorDto } from '../dto/chaos-requests.dto';
import { CHAOS_LIMITS, isRoutes } from '../faults';
import { defineKnob, describeMatch, isIntIn, isNumberIn, parseMatch, type FaultMatch } from '../knob';

export interface DelaySettings {
  delay_ms: number;
  jitter_ms: number;
  percent: number;
  routes: string[] | null;
  /** Only requests about these menus/users (decided after body parsing, see requestTargets). */
  match: FaultMatch | null;
}

export interface ErrorSettings {
  percent: number;
  status: number;
  routes: string[] | null;
  match: FaultMatch | null;
}

const scope = (routes: string[] | null) => (routes ? ` of ${routes.join(',')}` : '');

/** POST /chaos/delay: applied to every request by ChaosHttpHook. */
export const delayKnob = defineKnob<DelaySettings, ChaosDelayDto>({
  name: 'delay',
  summary: '👉 Add latency to API calls',
  description:
    'Every affected request waits `delay_ms` (± `jitter_ms`) before it is handled, on an asynchronous timer: ' +
    'other requests are not slowed down. `match.menu_id` / `match.user_id` limit it to requests about those ' +
    'menus or users (path, body, bearer token). `{"delay_ms": 0}` switches it off. Never applies to /chaos, ' +
    '/health, /metrics or the docs.',
  body: ChaosDelayDto,
  examples: {
    spec: { summary: 'Spec: 1.5 s on every API call', value: { delay_ms: 1500 } },
    scoped: {
      summary: '2 s ± 500 ms on half of /validate calls for 5 minutes',
      value: { delay_ms: 2000, jitter_ms: 500, percent: 50, routes: ['/validate'], ttl_s: 300 },
    },
    'one product': {
      summary: '2 s on requests about menu 3 only (GET /menus/3, orders containing it)',
      value: { delay_ms: 2000, match: { menu_id: [3] } },
    },
    'one replica': {
      summary: 'Only on one replica (gray failure)',
      value: { delay_ms: 3000, instance: 'user-2' },
    },
    off: { summary: 'Switch off', value: { delay_ms: 0 } },
  },
  settings: (dto) =>
    dto.delay_ms === 0
      ? null
      : {
          delay_ms: dto.delay_ms,
          jitter_ms: dto.jitter_ms ?? 0,
          percent: dto.percent ?? 100,
          routes: dto.routes ?? null,
          match: parseMatch(dto.match) ?? null,
        },
  parse: (value) => {
    const routes = value.routes ?? null;
    const match = parseMatch(value.match);
    if (match === undefined) return null;
    if (!isIntIn(value.delay_ms, 1, CHAOS_LIMITS.maxDelayMs)) return null;
    if (!isIntIn(value.jitter_ms ?? 0, 0, CHAOS_LIMITS.maxJitterMs)) return null;
    if (!isNumberIn(value.percent, 0, 100) || !isRoutes(routes)) return null;
    return {
      delay_ms: value.delay_ms,
      jitter_ms: (value.jitter_ms as number | undefined) ?? 0,
      percent: value.percent,
      routes,
      match,
    };
  },
  describe: (fault) =>
    `delay ${fault.delay_ms}ms${fault.jitter_ms ? `±${fault.jitter_ms}` : ''} on ${fault.percent}%` +
    `${scope(fault.routes)}${describeMatch(fault.match)}`,
});

/** POST /chaos/error: applied to every request by ChaosHttpHook. */
export const errorKnob = defineKnob<ErrorSettings, ChaosErrorDto>({
  name: 'error',
  summary: '👉 Make API calls fail',
  description:
    'Answers `percent`% (default 50) of the affected requests with `status` (default 500) and the common ' +
    'error body with `code: "CHAOS_INJECTED"`. `match.menu_id` / `match.user_id` limit it to requests about ' +
    'those menus or users (path, body, bearer token). `{"enable": false}` switches it off.',
  body: ChaosErrorDto,
  examples: {
    spec: { summary: 'Spec: 50% of API calls answer 500', value: { enable: true } },
    scoped: {
      summary: '503 on 20% of /users/* for 2 minutes',
      value: { enable: true, percent: 20, status: 503, routes: ['/users/*'], ttl_s: 120 },
    },
    'one customer': {
      summary: 'Every request of user 42 fails',
      value: { enable: true, percent: 100, match: { user_id: [42] } },
    },
    off: { summary: 'Switch off', value: { enable: false } },
  },
  settings: (dto) =>
    dto.enable
      ? {
          percent: dto.percent ?? 50,
          status: dto.status ?? 500,
          routes: dto.routes ?? null,
          match: parseMatch(dto.match) ?? null,
        }
      : null,
  parse: (value) => {
    const routes = value.routes ?? null;
    const match = parseMatch(value.match);
    if (match === undefined) return null;
    if (!isNumberIn(value.percent, 0, 100) || !isRoutes(routes)) return null;
    if (!isIntIn(value.status, CHAOS_LIMITS.minErrorStatus, CHAOS_LIMITS.maxErrorStatus)) return null;
    return { percent: value.percent, status: value.status, routes, match };
  },
  describe: (fault) =>
    `error ${fault.status} on ${fault.percent}%${scope(fault.routes)}${describeMatch(fault.match)}`,
});
