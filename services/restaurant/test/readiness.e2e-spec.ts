import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from '@food-delivery/testing';
import { startRestaurantKit, type RestaurantKit } from './support';

describe('restaurant readiness while its pool is busy (real Postgres + Redis, real HTTP)', () => {
  let kit: RestaurantKit;
  let url: string;
  const setDelay = (delay_ms: number) => request(`${url}/chaos/inventory_delay`, { body: { delay_ms } });

  before(async () => {
    // One pooled connection, so a single delayed decrement holds all of them.
    kit = await startRestaurantKit('readiness', { DATABASE_POOL_MAX: '1' });
    url = kit.service.url;
  });

  after(async () => {
    await setDelay(0).catch(() => undefined);
    await kit?.close();
  });

  it('stays ready, and answers at once, while every pooled connection is held', async () => {
    expect((await setDelay(2500)).status).toBe(200);
    let held = false;
    const decrement = request(`${url}/inventory/1`, {
      method: 'PUT',
      body: { quantity: 1 },
      token: kit.token,
    }).finally(() => (held = true));
    await sleep(400);

    const started = Date.now();
    const ready = await request(`${url}/health/ready`);
    const took = Date.now() - started;
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
    expect(took).toBeLessThan(1000);
    // The pool really was busy throughout: the delayed decrement had not finished.
    expect(held).toBe(false);

    expect((await decrement).status).toBe(200);
    expect((await kit.audit()).ok).toBe(true);
  });
});
