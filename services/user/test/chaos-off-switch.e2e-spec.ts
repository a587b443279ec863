import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { createTestStack, request, type RunningService, type TestStack } from '@food-delivery/testing';
import { createUserApp } from '../src/app';

/**
 * The lock-out: a 20 s delay fault held 300 requests in flight, the service refused everything beyond its
 * limit, DELETE /chaos included, and the operator could not switch the fault off for 14 s.
 */
describe('the chaos off switch while the service is full (real Postgres + Redis, real HTTP)', () => {
  let stack: TestStack;
  let service: RunningService;

  before(async () => {
    stack = await createTestStack('user_chaos_off');
    service = await stack.start(createUserApp, { MAX_IN_FLIGHT_REQUESTS: '8', SEED_DEMO_USER: 'false' });
  });

  after(async () => {
    await stack?.teardown();
  });

  it('answers DELETE /chaos, GET /chaos and the probes while delayed requests fill every slot', async () => {
    const set = await request(`${service.url}/chaos/delay`, { body: { delay_ms: 20_000 } });
    expect(set.status).toBe(200);
    // 24 requests that the fault holds for 20 s: the first 8 fill the slots, the rest are refused at once.
    const clients = new AbortController();
    const held = Array.from({ length: 24 }, () =>
      fetch(`${service.url}/.well-known/jwks.json`, { signal: clients.signal }).then(
        (res) => res.status,
        () => 'aborted',
      ),
    );
    try {
      // Until the slots are full, a new request is admitted (and held); then it is refused.
      let refused: { status: number; body: { code?: string } } | undefined;
      for (let i = 0; i < 50 && refused?.status !== 503; i += 1) {
        const probe = await fetch(`${service.url}/.well-known/jwks.json`, {
          signal: AbortSignal.timeout(200),
        })
          .then(async (res) => ({ status: res.status, body: (await res.json()) as { code?: string } }))
          .catch(() => undefined);
        refused = probe;
      }
      expect([refused?.status, refused?.body.code]).toEqual([503, 'OVERLOADED']);

      // The operator still sees and switches off the fault, and the probes still answer.
      expect((await request(`${service.url}/health/live`)).status).toBe(200);
      expect((await request(`${service.url}/chaos`)).body.faults).toHaveLength(1);
      const reset = await request(`${service.url}/chaos`, { method: 'DELETE' });
      expect([reset.status, reset.body.action]).toEqual([200, 'reset']);
      expect((await request(`${service.url}/chaos`)).body.faults).toEqual([]);
    } finally {
      // The held requests sleep until their client goes away.
      clients.abort();
      await Promise.all(held);
    }
  });
});
