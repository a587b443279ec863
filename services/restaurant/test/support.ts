import {
  createTestStack,
  createTestTokens,
  request,
  type RunningService,
  type TestStack,
  type TestTokens,
} from '@food-delivery/testing';
import { Scope } from '@food-delivery/auth';
import { expect } from 'expect';
import { Client } from 'pg';
import { createRestaurantApp } from '../src/app';
import type { AuditDto } from '../src/inventory/dto/audit.dto';

export const ADMIN_KEY = 'test-admin-key-0123456789';

/** One restaurant service on its own database and Redis namespace, with a token signer and a pg client. */
export interface RestaurantKit {
  stack: TestStack;
  service: RunningService;
  tokens: TestTokens;
  /** The order service's token: the one principal that may use the reservation ledger and move stock. */
  token: string;
  /** A plain user's token (user 1): public reads only, refused by every internal endpoint. */
  userToken: string;
  /** An operator's token. */
  operatorToken: string;
  pg: Client;
  /** Env every instance of this kit's service starts with (extra env wins). */
  env(extra?: Record<string, string>): Record<string, string>;
  start(extra?: Record<string, string>): Promise<RunningService>;
  stock(menuId: number): Promise<number>;
  stocks(): Promise<Map<number, number>>;
  resetStock(stock: number, menuIds?: number[]): Promise<void>;
  audit(url?: string): Promise<AuditDto>;
  close(): Promise<void>;
}

export async function startRestaurantKit(
  label: string,
  extra: Record<string, string> = {},
): Promise<RestaurantKit> {
  const stack = await createTestStack(label);
  const tokens = createTestTokens();
  const env = (more: Record<string, string> = {}) => ({
    JWT_PUBLIC_KEY: tokens.publicKeyPem,
    ADMIN_API_KEY: ADMIN_KEY,
    ...extra,
    ...more,
  });
  const service = await stack.start(createRestaurantApp, env());
  const pg = new Client({ connectionString: stack.db.url });
  await pg.connect();
  const kit: RestaurantKit = {
    stack,
    service,
    tokens,
    token: tokens.service('order-service', [
      Scope.UsersValidate,
      Scope.InventoryWrite,
      Scope.ReservationsWrite,
      Scope.ReservationsRead,
    ]),
    userToken: tokens.sign({ id: 1, username: 'user' }),
    operatorToken: tokens.operator(),
    pg,
    env,
    start: (more = {}) => stack.start(createRestaurantApp, env(more)),
    async stock(menuId) {
      const { rows } = await pg.query<{ stock: number }>('SELECT stock FROM restaurant.menus WHERE id = $1', [
        menuId,
      ]);
      return rows[0].stock;
    },
    async stocks() {
      const { rows } = await pg.query<{ id: number; stock: number }>(
        'SELECT id, stock FROM restaurant.menus ORDER BY id',
      );
      return new Map(rows.map((row) => [row.id, row.stock]));
    },
    async resetStock(stock, menuIds) {
      const res = await request<{ code?: string }>(`${service.url}/admin/stock/reset`, {
        body: { stock, ...(menuIds ? { menu_ids: menuIds } : {}) },
        headers: { 'x-admin-key': ADMIN_KEY },
      });
      expect([res.status, res.body.code]).toEqual([200, undefined]);
    },
    async audit(url = service.url) {
      const res = await request<AuditDto>(`${url}/inventory/audit`);
      expect(res.status).toBe(200);
      return res.body;
    },
    async close() {
      await pg.end().catch(() => undefined);
      await stack.teardown();
    },
  };
  return kit;
}

/** Fisher-Yates on a copy. */
export function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
