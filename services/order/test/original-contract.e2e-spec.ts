import { request } from '@food-delivery/testing';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { startOrderKit, type OrderKit } from './support';

/**
 * The answers the original FastAPI service's clients (its customer frontend and its five k6 scripts) read, by the
 * original's names: one test per difference this project once had (each fails on the names or statuses we used to
 * answer with). The requests they send (form logins, bodiless POSTs) are covered by the user and order flow tests.
 */
describe("the original service's clients: field names and statuses", () => {
  let kit: OrderKit;

  before(async () => {
    kit = await startOrderKit('original_contract');
  });

  after(async () => {
    await kit?.close();
  });

  it('menus carry inventory, is_available, restaurant_id, image_url and created_at (list and single)', async () => {
    await kit.resetStock(0, [3]);
    const list = await request<Record<string, unknown>[]>(`${kit.restaurant.url}/menus`);
    expect(list.status).toBe(200);
    for (const menu of [...list.body, (await request(`${kit.restaurant.url}/menus/4`)).body]) {
      expect(menu).toMatchObject({
        id: expect.any(Number),
        restaurant_id: expect.any(Number),
        name: expect.any(String),
        price: expect.any(Number),
        inventory: expect.any(Number),
        is_available: expect.any(Boolean),
        created_at: expect.any(String),
      });
      expect(menu).toHaveProperty('image_url');
      expect(Number.isNaN(Date.parse(menu.created_at as string))).toBe(false);
      // One name per fact: the old names are gone.
      expect(menu).not.toHaveProperty('stock');
      expect(menu).not.toHaveProperty('available');
    }
    const soldOut = list.body.find((menu) => menu.id === 3)!;
    expect([soldOut.inventory, soldOut.is_available]).toEqual([0, false]);
  });

  it('PUT /inventory/{id} (and /restore) answers menu_id and remaining_inventory', async () => {
    await kit.resetStock(10, [5]);
    const token = await kit.serviceToken();
    const decreased = await request(`${kit.restaurant.url}/inventory/5`, {
      method: 'PUT',
      token,
      body: { quantity: 3 },
    });
    expect(decreased.status).toBe(200);
    expect(decreased.body).toMatchObject({ menu_id: 5, remaining_inventory: 7 });
    expect(decreased.body).not.toHaveProperty('stock');
    const restored = await request(`${kit.restaurant.url}/inventory/5/restore`, {
      method: 'PUT',
      token,
      body: { quantity: 1 },
    });
    expect(restored.body).toMatchObject({ menu_id: 5, remaining_inventory: 8 });
  });

  it('orders carry total_price and payment_status; items {id, menu_id, name, quantity, price}', async () => {
    await kit.resetStock(100, [6, 7]);
    const placed = await kit.placeOrder(kit.token, [
      { menu_id: 6, quantity: 2 },
      { menu_id: 7, quantity: 1 },
    ]);
    expect([placed.status, placed.body.status, placed.body.payment_status]).toEqual([
      201,
      'CONFIRMED',
      'completed',
    ]);
    const prices = new Map(
      ((await request(`${kit.restaurant.url}/menus`)).body as { id: number; price: number }[]).map((menu) => [
        menu.id,
        menu.price,
      ]),
    );
    expect(placed.body.total_price).toBe(2 * prices.get(6)! + prices.get(7)!);
    expect(placed.body).not.toHaveProperty('total');
    const ids = new Set<number>();
    for (const item of placed.body.items as Record<string, unknown>[]) {
      expect(Object.keys(item).sort()).toEqual(['id', 'line_total', 'menu_id', 'name', 'price', 'quantity']);
      expect(item.price).toBe(prices.get(item.menu_id as number));
      ids.add(item.id as number);
    }
    expect(ids.size).toBe(2);

    // The same names from Postgres (MISS), from the Redis cache (HIT) and in the caller's list.
    const miss = await kit.getOrder(kit.token, placed.body.id);
    const hit = await kit.getOrder(kit.token, placed.body.id);
    expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
    expect(miss.body).toEqual(placed.body);
    expect(hit.body).toEqual(placed.body);
    const list = await request(`${kit.orderUrl}/orders?limit=100`, { token: kit.token });
    expect(list.body.orders.find((order: { id: number }) => order.id === placed.body.id)).toEqual(
      placed.body,
    );

    // A cancelled order was paid: its payment stays completed, as the original left it.
    const cancelled = await kit.cancel(kit.token, placed.body.id);
    expect(cancelled.body).toMatchObject({
      status: 'CANCELLED',
      payment_status: 'completed',
      message: 'Order cancelled successfully',
      order_id: placed.body.id,
    });
  });

  it('a declined payment answers 201 with the order FAILED, payment_status "failed" (spec scenario 1)', async () => {
    await kit.resetStock(100, [8]);
    await kit.setChaos(kit.order!, 'payment_fail', { fail_percent: 100 });
    let placed;
    try {
      placed = await kit.placeOrder(kit.token, [{ menu_id: 8, quantity: 2 }]);
    } finally {
      await kit.clearChaos(kit.order!);
    }
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      id: expect.any(Number),
      status: 'FAILED',
      payment_status: 'failed',
      failure_reason: 'PAYMENT_FAILED',
      total_price: expect.any(Number),
    });
    expect(placed.body).not.toHaveProperty('code');
    // Nothing is held for it: the stock was given back before the answer.
    expect(await kit.stock(8)).toBe(100);
    const read = await kit.getOrder(kit.token, placed.body.id);
    expect(read.body).toMatchObject({ status: 'FAILED', payment_status: 'failed' });
  });

  it('an order recorded and then refused for want of stock answers 201 with the order FAILED', async () => {
    await kit.resetStock(1, [9]);
    const placed = await kit.placeOrder(kit.token, [{ menu_id: 9, quantity: 2 }]);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      status: 'FAILED',
      failure_reason: 'OUT_OF_STOCK',
      payment_status: 'pending',
    });
    expect(await kit.stock(9)).toBe(1);
  });

  it('requests that record nothing keep their error status, with detail', async () => {
    const bad = await kit.placeOrder(kit.token, [{ menu_id: 1, quantity: 0 }]);
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(bad.body.detail).toBe(bad.body.message);
    const { rows } = await kit.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM "order".orders`);
    const again = await kit.placeOrder(kit.token, [{ menu_id: 1, quantity: 0 }]);
    expect(again.status).toBe(400);
    expect((await kit.pg.query(`SELECT count(*)::int AS n FROM "order".orders`)).rows).toEqual(rows);
  });
});
