/** What an arrival does, per workload type; every HTTP call is recorded as one sample by `call`. */
import { randomBytes, randomUUID } from 'node:crypto';
import { bodyCode, type HttpAnswer, type HttpClient, type HttpRequest } from './http';
import type { Workload } from './model';
import type { Api } from './target';

export const OP = {
  order: 'POST /orders',
  readOrder: 'GET /orders/:id',
  cancel: 'POST /orders/:id/cancel',
  cancelAgain: 'POST /orders/:id/cancel (again)',
  menus: 'GET /menus',
  menu: 'GET /menus/:id',
  login: 'POST /login',
  signup: 'POST /signup',
  badOrder: 'POST /orders (invalid)',
  missingMenu: 'GET /menus/:id (missing)',
  wrongPassword: 'POST /login (wrong password)',
} as const;

/** The calls a `bad-input` arrival picks from, with the status the spec promises for each. */
export const BAD_INPUT: Readonly<Record<string, number>> = {
  [OP.badOrder]: 400,
  [OP.missingMenu]: 404,
  [OP.wrongPassword]: 401,
};

export const ADDRESS = '서울시 강남구 123-45';
export const PHONE = '010-1234-5678';
/** The synthetic users' password: fresh for each process (each run signs up its own users), never a constant. */
export const PASSWORD = randomBytes(12).toString('base64url');

export interface Session {
  username: string;
  token: string;
}

/** Records one HTTP call as a sample; `outcome` names what the answer meant (CONFIRMED, HIT…). */
export type Call = (
  op: string,
  request: HttpRequest,
  outcome?: (answer: HttpAnswer) => string,
) => Promise<HttpAnswer>;

export interface WorkEnv {
  api: Api;
  sessions: Session[];
  /** The password the sessions' users signed up with (default PASSWORD). */
  password?: string;
}

export interface Work {
  /** The first call of an arrival: a dropped arrival is counted under it. */
  firstOp: string;
  /** Runs once before the load (not recorded), e.g. places the orders that reads go to. */
  prepare?(env: WorkEnv, http: HttpClient): Promise<void>;
  run(call: Call, env: WorkEnv): Promise<void>;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

const orderBody = (menuIds: number | number[], quantity: number) => ({
  items: (Array.isArray(menuIds) ? menuIds : [menuIds]).map((menuId) => ({ menu_id: menuId, quantity })),
  address: ADDRESS,
  phone: PHONE,
});

/** `count` distinct menus of the list (fewer if the list is shorter). */
function pickSome(menus: readonly number[], count: number): number[] {
  const pool = [...new Set(menus)];
  const picked: number[] = [];
  while (picked.length < count && pool.length > 0)
    picked.push(...pool.splice(Math.floor(Math.random() * pool.length), 1));
  return picked;
}

interface OrderLike {
  id?: number;
  status?: string;
  failure_reason?: string | null;
}

/** The order in a POST /orders answer: the body itself (201/200) or `order` of a failure body. */
export function orderOf(answer: HttpAnswer): OrderLike | undefined {
  const body = answer.body as (OrderLike & { order?: OrderLike }) | undefined;
  if (!body || typeof body !== 'object') return undefined;
  return answer.status >= 200 && answer.status < 300 ? body : body.order;
}

/** CONFIRMED, the failure reason of a FAILED order, or the error code when no order was recorded. */
export function orderOutcome(answer: HttpAnswer): string {
  if (answer.status === 0) return answer.error ?? 'NO_ANSWER';
  const order = orderOf(answer);
  if (order?.status === 'FAILED') return order.failure_reason ?? 'FAILED';
  if (order?.status) return order.status;
  return bodyCode(answer.body) || `HTTP_${answer.status}`;
}

const cacheOutcome = (answer: HttpAnswer) => answer.headers['x-cache'] ?? '';

async function placeOrder(
  call: Call,
  env: WorkEnv,
  session: Session,
  menus: number[],
  quantity: number,
  items = 1,
) {
  return call(
    OP.order,
    {
      url: env.api.orders,
      token: session.token,
      headers: { 'idempotency-key': randomUUID() },
      body: orderBody(items > 1 ? pickSome(menus, items) : pick(menus), quantity),
    },
    orderOutcome,
  );
}

export function createWork(workload: Workload): Work {
  switch (workload.type) {
    case 'order':
      return {
        firstOp: OP.order,
        run: async (call, env) => {
          await placeOrder(call, env, pick(env.sessions), workload.menus, workload.quantity ?? 1);
        },
      };
    case 'order-flow':
      return {
        firstOp: OP.menus,
        run: async (call, env) => {
          const session = pick(env.sessions);
          const menus = await call(OP.menus, { url: env.api.menus }, cacheOutcome);
          // Order what the catalogue offers (among the experiment's menus), as a user browsing would.
          const listed = Array.isArray(menus.body)
            ? (menus.body as { id: number; is_available?: boolean }[])
                .filter((menu) => menu.is_available !== false && workload.menus.includes(menu.id))
                .map((menu) => menu.id)
            : [];
          const items = 1 + Math.floor(Math.random() * Math.max(1, workload.maxItems ?? 1));
          const order = await placeOrder(
            call,
            env,
            session,
            listed.length ? listed : workload.menus,
            1,
            items,
          );
          const id = orderOf(order)?.id;
          if (order.status === 201 && id) {
            await call(OP.readOrder, { url: env.api.order(id), token: session.token }, cacheOutcome);
          }
        },
      };
    case 'cancel-reorder':
      return {
        firstOp: OP.order,
        run: async (call, env) => {
          const session = pick(env.sessions);
          const order = await placeOrder(call, env, session, workload.menus, workload.quantity ?? 2);
          const id = orderOf(order)?.id;
          if (order.status !== 201 || !id) return;
          const statusOf = (answer: HttpAnswer) =>
            answer.status === 200 ? String((answer.body as OrderLike)?.status ?? '') : bodyCode(answer.body);
          const request = { method: 'POST', url: env.api.cancel(id), token: session.token };
          await call(OP.cancel, request, statusOf);
          // The original restored stock twice here; the answer must be 409 and nothing restored.
          await call(OP.cancelAgain, request, statusOf);
        },
      };
    case 'read-menus':
      return {
        firstOp: OP.menus,
        run: async (call, env) => {
          await call(OP.menus, { url: env.api.menus }, cacheOutcome);
          await call(OP.menu, { url: env.api.menu(pick(workload.menus)) }, cacheOutcome);
        },
      };
    case 'read-order': {
      const pool: { id: number; token: string }[] = [];
      return {
        firstOp: OP.readOrder,
        prepare: async (env, http) => {
          for (let i = 0; i < workload.pool; i += 1) {
            const session = env.sessions[i % env.sessions.length];
            const answer = await http.send({
              url: env.api.orders,
              token: session.token,
              headers: { 'idempotency-key': randomUUID() },
              body: orderBody(pick(workload.menus), 1),
            });
            const id = orderOf(answer)?.id;
            if (id && answer.status < 300) pool.push({ id, token: session.token });
          }
          // The spec's first read misses and fills the cache; the run measures the reads after it.
          for (const { id, token } of pool) await http.send({ url: env.api.order(id), token });
          if (pool.length === 0) throw new Error('could not place any order to read (POST /orders failed)');
        },
        run: async (call, env) => {
          const { id, token } = pick(pool);
          await call(OP.readOrder, { url: env.api.order(id), token }, cacheOutcome);
        },
      };
    }
    case 'login':
      return {
        firstOp: OP.login,
        run: async (call, env) => {
          await call(OP.login, {
            url: env.api.login,
            body: { username: pick(env.sessions).username, password: env.password ?? PASSWORD },
          });
        },
      };
    case 'signup':
      return {
        firstOp: OP.signup,
        run: async (call, env) => {
          const username = `u_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
          const password = env.password ?? PASSWORD;
          const signup = await call(OP.signup, { url: env.api.signup, body: { username, password } });
          if (signup.status !== 201) return;
          const login = await call(OP.login, { url: env.api.login, body: { username, password } });
          const token = (login.body as { access_token?: string } | undefined)?.access_token;
          if (login.status !== 200 || !token) return;
          // The pool stays bounded: a new user takes a random place once it is full.
          if (env.sessions.length < workload.maxSessions) env.sessions.push({ username, token });
          else env.sessions[Math.floor(Math.random() * env.sessions.length)] = { username, token };
        },
      };
    case 'bad-input':
      return {
        firstOp: OP.badOrder,
        run: async (call, env) => {
          const op = pick(Object.keys(BAD_INPUT));
          const outcome = (answer: HttpAnswer) => bodyCode(answer.body) || `HTTP_${answer.status}`;
          if (op === OP.badOrder) {
            const session = pick(env.sessions);
            await call(
              op,
              {
                url: env.api.orders,
                token: session.token,
                headers: { 'idempotency-key': randomUUID() },
                body: { items: [{ menu_id: 1, quantity: 0 }], address: '', phone: 'not a phone' },
              },
              outcome,
            );
          } else if (op === OP.missingMenu) {
            await call(op, { url: env.api.menu(987_654_321) }, outcome);
          } else {
            const username = pick(env.sessions).username;
            await call(
              op,
              { url: env.api.login, body: { username, password: `${env.password ?? PASSWORD}-wrong` } },
              outcome,
            );
          }
        },
      };
  }
}

/**
 * Signs up `count` accounts for this run and logs each in once (tokens live an hour, longer than any run).
 * Two at a time: password hashing is deliberately expensive and the user service sheds a login storm.
 */
export async function createSessions(
  http: HttpClient,
  api: Api,
  count: number,
  runId: string,
  password = PASSWORD,
): Promise<Session[]> {
  const sessions: Session[] = [];
  const indexes = Array.from({ length: count }, (_, i) => i);
  const worker = async () => {
    for (let index = indexes.shift(); index !== undefined; index = indexes.shift()) {
      const username = `exp_${runId}_${index}`.slice(0, 32);
      const signup = await http.send({ url: api.signup, body: { username, password } });
      if (signup.status !== 201 && signup.status !== 409) {
        throw new Error(
          `signup ${username} → ${signup.status || signup.error} ${JSON.stringify(signup.body)}`,
        );
      }
      const login = await http.send({ url: api.login, body: { username, password } });
      const token = (login.body as { access_token?: string } | undefined)?.access_token;
      if (login.status !== 200 || !token) {
        throw new Error(`login ${username} → ${login.status || login.error} ${JSON.stringify(login.body)}`);
      }
      sessions.push({ username, token });
    }
  };
  await Promise.all([worker(), worker()]);
  return sessions;
}
