import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { request } from '@food-delivery/testing';
import { startRestaurantKit, type RestaurantKit } from './support';

describe('restaurant service: chaos inventory_delay (real Postgres + Redis, real HTTP)', () => {
  let kit: RestaurantKit;
  let url: string;

  /** Sends a request and notes when it finished, relative to `t0`. */
  const timed = async (t0: number, send: () => ReturnType<typeof request>) => {
    const res = await send();
    const match = /lock-wait;dur=([\d.]+), lock-hold;dur=([\d.]+)/.exec(
      res.headers.get('server-timing') ?? '',
    );
    return { res, doneAt: Date.now() - t0, wait: Number(match?.[1]), hold: Number(match?.[2]) };
  };
  const decrease = (menuId: number) => () =>
    request(`${url}/inventory/${menuId}`, { method: 'PUT', body: { quantity: 1 }, token: kit.token });
  const setDelay = (delay_ms: number) => request(`${url}/chaos/inventory_delay`, { body: { delay_ms } });

  before(async () => {
    kit = await startRestaurantKit('chaos');
    url = kit.service.url;
  });

  after(async () => {
    await setDelay(0).catch(() => undefined);
    await kit?.close();
  });

  it('offers the spec knob POST /chaos/inventory_delay', async () => {
    const res = await setDelay(500);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ action: 'set', fault: { type: 'inventory_delay', delay_ms: 500 } });
    const state = await request(`${url}/chaos`);
    expect(state.body.knobs).toContain('inventory_delay');
  });

  it('holds the row lock during the delay: two decrements of one menu take ≥ 1 s, another menu is not held up', async () => {
    const t0 = Date.now();
    const [first, second, other] = await Promise.all([
      timed(t0, decrease(1)),
      timed(t0, decrease(1)),
      timed(t0, decrease(2)),
    ]);
    for (const { res } of [first, second, other]) expect(res.status).toBe(200);
    const [early, late] = [first, second].sort((a, b) => a.doneAt - b.doneAt);
    expect(early.doneAt).toBeGreaterThanOrEqual(480);
    expect(late.doneAt).toBeGreaterThanOrEqual(980);
    // The second decrement of menu 1 waited for the first one's lock; each held its lock for the delay.
    expect(late.wait).toBeGreaterThanOrEqual(450);
    expect(Math.min(early.hold, late.hold)).toBeGreaterThanOrEqual(480);
    // Menu 2 pays its own delay, but never waits for menu 1's lock.
    expect(other.wait).toBeLessThan(150);
    expect(other.doneAt).toBeLessThan(900);
    expect((await kit.audit()).ok).toBe(true);
  });

  it('delays reservations inside their transaction too, but not replays or reads', async () => {
    const t0 = Date.now();
    const reserved = await timed(t0, () =>
      request(`${url}/inventory/reservations`, {
        body: { order_id: 'slow-1', items: [{ menu_id: 3, quantity: 1 }] },
        token: kit.token,
      }),
    );
    expect(reserved.res.status).toBe(201);
    expect(reserved.hold).toBeGreaterThanOrEqual(480);
    const t1 = Date.now();
    const replay = await request(`${url}/inventory/reservations`, {
      body: { order_id: 'slow-1', items: [{ menu_id: 3, quantity: 1 }] },
      token: kit.token,
    });
    expect(replay.status).toBe(200);
    expect((await request(`${url}/menus/3`)).status).toBe(200);
    expect(Date.now() - t1).toBeLessThan(400);
  });

  it('is switched off with {"delay_ms": 0}', async () => {
    expect((await setDelay(0)).status).toBe(200);
    const t0 = Date.now();
    const res = await timed(t0, decrease(1));
    expect(res.res.status).toBe(200);
    expect(res.doneAt).toBeLessThan(400);
  });
});
