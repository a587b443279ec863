import {
  createTestStack,
  request,
  startServiceProcess,
  waitFor,
  type JsonResponse,
  type OpenApiDocument,
  type RunningService,
  type ServiceProcess,
  type TestStack,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { Client } from 'pg';
import { createOrderApp } from '../src/app';

export const ADMIN_KEY = 'order-test-admin-key-0123456789';

export const ADDRESS = '서울시 강남구 123-45';
export const PHONE = '010-1234-5678';

/** Settings that make the background machinery quick enough for tests. */
export const FAST_SAGA_ENV: Record<string, string> = {
  SAGA_WORKER_INTERVAL_MS: '200',
  SAGA_RETRY_BASE_MS: '100',
  SAGA_RETRY_MAX_MS: '1000',
  RECOVERY_INTERVAL_MS: '500',
};

/**
 * The three real services on one private database (each its own schema) and Redis namespace: user and
 * restaurant as child processes (a service never imports another service's code), the order service in-process
 * unless a test needs to crash it.
 */
export interface OrderKit {
  stack: TestStack;
  user: ServiceProcess;
  restaurant: ServiceProcess;
  order: RunningService | null;
  pg: Client;
  orderUrl: string;
  /** The env the order service starts with (user/restaurant URLs, JWKS, fast saga settings, extras). */
  orderEnv(extra?: Record<string, string>): Record<string, string>;
  startOrder(extra?: Record<string, string>): Promise<RunningService>;
  /** Token of the seeded demo account user/pass. */
  token: string;
  /** The order service's own token (client credentials with this stack's secret). */
  serviceToken(): Promise<string>;
  /** A token of the stack's operator account. */
  operatorToken(): Promise<string>;
  signup(username: string): Promise<{ id: number; token: string }>;
  placeOrder(
    token: string,
    items: { menu_id: number; quantity: number }[],
    headers?: Record<string, string>,
    url?: string,
  ): Promise<JsonResponse>;
  getOrder(token: string, id: number): Promise<JsonResponse>;
  cancel(token: string, id: number): Promise<JsonResponse>;
  resetStock(stock: number, menuIds: number[]): Promise<void>;
  stock(menuId: number): Promise<number>;
  setChaos(service: { url: string }, knob: string, body: unknown): Promise<void>;
  clearChaos(service: { url: string }): Promise<void>;
  /** Waits until every order is settled (no PENDING order, no waiting saga task), then returns the audit. */
  settledAudit(url?: string, timeoutMs?: number): Promise<Audit>;
  close(): Promise<void>;
}

/** `GET /orders/audit`, as much as the tests look at. */
export interface Audit {
  ok: boolean;
  settled: boolean;
  violations: { type: string; message: string }[];
  saga_tasks: { pending: number; dead: number };
  reservations: Record<string, number>;
  menus: { menu_id: number; stock: number; confirmed_quantity: number; drift: number }[];
}

interface ErrorBody {
  code?: string;
}

export async function startOrderKit(
  label: string,
  options: { orderEnv?: Record<string, string>; inProcess?: boolean } = {},
): Promise<OrderKit> {
  const stack = await createTestStack(label);
  const user = await startServiceProcess('user', stack.baseEnv);
  const jwksUrl = `${user.url}/.well-known/jwks.json`;
  const restaurant = await startServiceProcess('restaurant', {
    ...stack.baseEnv,
    JWKS_URL: jwksUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    // Long inventory delays become clean 503s instead of piling up on the pool.
    INVENTORY_LOCK_TIMEOUT_MS: '5000',
    // 200 concurrent reservations queue on one menu row while two CPUs are shared with other test files.
    DATABASE_ACQUIRE_TIMEOUT_MS: '10000',
  });
  const pg = new Client({ connectionString: stack.db.url });
  await pg.connect();

  const login = await request<{ access_token: string }>(`${user.url}/login`, {
    body: { username: 'user', password: 'pass' },
  });
  expect(login.status).toBe(200);

  const orderEnv = (extra: Record<string, string> = {}) => ({
    ...stack.baseEnv,
    JWKS_URL: jwksUrl,
    USER_SERVICE_URL: user.url,
    RESTAURANT_SERVICE_URL: restaurant.url,
    DATABASE_ACQUIRE_TIMEOUT_MS: '10000',
    ...FAST_SAGA_ENV,
    ...options.orderEnv,
    ...extra,
  });

  const kit: OrderKit = {
    stack,
    user,
    restaurant,
    order: null,
    pg,
    orderUrl: '',
    orderEnv,
    async startOrder(extra = {}) {
      const service = await stack.start(createOrderApp, orderEnv(extra));
      kit.order = service;
      kit.orderUrl = service.url;
      return service;
    },
    token: login.body.access_token,
    async serviceToken() {
      const res = await request<{ access_token: string }>(`${user.url}/token`, {
        body: {
          grant_type: 'client_credentials',
          client_id: stack.baseEnv.SERVICE_CLIENT_ID,
          client_secret: stack.baseEnv.SERVICE_CLIENT_SECRET,
        },
      });
      expect(res.status).toBe(200);
      return res.body.access_token;
    },
    async operatorToken() {
      const res = await request<{ access_token: string }>(`${user.url}/login`, { body: stack.operator });
      expect(res.status).toBe(200);
      return res.body.access_token;
    },
    async signup(username) {
      const created = await request<{ id: number }>(`${user.url}/signup`, {
        body: { username, password: 'secret-pass' },
      });
      expect(created.status).toBe(201);
      const loggedIn = await request<{ access_token: string }>(`${user.url}/login`, {
        body: { username, password: 'secret-pass' },
      });
      expect(loggedIn.status).toBe(200);
      return { id: created.body.id, token: loggedIn.body.access_token };
    },
    placeOrder(token, items, headers = {}, url = kit.orderUrl) {
      return request(`${url}/orders`, { token, headers, body: { items, address: ADDRESS, phone: PHONE } });
    },
    getOrder(token, id) {
      return request(`${kit.orderUrl}/orders/${id}`, { token });
    },
    cancel(token, id) {
      return request(`${kit.orderUrl}/orders/${id}/cancel`, { token, method: 'POST' });
    },
    async resetStock(stock, menuIds) {
      const res = await request<ErrorBody>(`${restaurant.url}/admin/stock/reset`, {
        body: { stock, menu_ids: menuIds },
        headers: { 'x-admin-key': ADMIN_KEY },
      });
      expect([res.status, res.body?.code]).toEqual([200, undefined]);
    },
    async stock(menuId) {
      const { rows } = await pg.query<{ stock: number }>('SELECT stock FROM restaurant.menus WHERE id = $1', [
        menuId,
      ]);
      return rows[0].stock;
    },
    async setChaos(service, knob, body) {
      const res = await request<ErrorBody>(`${service.url}/chaos/${knob}`, { body });
      expect([res.status, res.body?.code]).toEqual([200, undefined]);
    },
    async clearChaos(service) {
      const res = await request(`${service.url}/chaos`, { method: 'DELETE' });
      expect(res.status).toBe(200);
    },
    async settledAudit(url = kit.orderUrl, timeoutMs = 30_000) {
      let last: unknown;
      try {
        return await waitFor(
          'every order to settle',
          async () => {
            const res = await request<Audit>(`${url}/orders/audit`);
            last = res.body;
            return res.status === 200 && res.body.settled ? res.body : null;
          },
          { timeoutMs, intervalMs: 250 },
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}\nlast audit: ${JSON.stringify(last)?.slice(0, 3000)}`, {
          cause: error,
        });
      }
    },
    async close() {
      await pg.end().catch(() => undefined);
      await Promise.allSettled([restaurant.stop(), user.stop()]);
      await stack.teardown();
    },
  };
  if (options.inProcess !== false) await kit.startOrder();
  return kit;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inBatches<T>(
  count: number,
  limit: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) results[index] = await task(index);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/** How many responses had each status, e.g. {201: 50, 409: 150}. */
export function statusCounts(responses: { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
  return counts;
}

/** One service's OpenAPI document as the running service serves it (/docs-json). */
export interface ServedDocument {
  name: 'user' | 'restaurant' | 'order';
  url: string;
  document: OpenApiDocument;
}

/** The three services' own OpenAPI documents, read from the running kit. */
export async function servedDocuments(kit: OrderKit): Promise<ServedDocument[]> {
  const services: ServedDocument[] = [];
  for (const [name, url] of [
    ['user', kit.user.url],
    ['restaurant', kit.restaurant.url],
    ['order', kit.orderUrl],
  ] as const) {
    const docs = await request<OpenApiDocument>(`${url}/docs-json`);
    expect(docs.status).toBe(200);
    services.push({ name, url, document: docs.body });
  }
  return services;
}
