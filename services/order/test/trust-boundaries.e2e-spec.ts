import { ALL_SCOPES } from '@food-delivery/auth';
import {
  createRemotePeer,
  freePort,
  ownerEntryCovers as covers,
  readOwnerTable,
  remotePeerUnavailable,
  request,
  startServiceProcess,
  UNDOCUMENTED_OPERATIONS,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { createPrivateKey, randomBytes, randomInt, sign, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { servedDocuments, startOrderKit, type OrderKit, type ServedDocument } from './support';

/** An RS256 token signed with the user service's own key, with or without `kid`. */
function signToken(
  key: { kid: string; privateKey: KeyObject },
  claims: Record<string, unknown>,
  withKid = true,
) {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const header = encode({ alg: 'RS256', typ: 'JWT', ...(withKid ? { kid: key.kid } : {}) });
  const payload = encode({
    iss: 'food-delivery/user-service',
    aud: 'food-delivery',
    iat: now,
    exp: now + 600,
    ...claims,
  });
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

/**
 * The trust boundaries across the three real services (user and restaurant as processes, the order service
 * in-process): the README's one table of owners is what every service documents and enforces, one token policy
 * holds everywhere, and a service started without HOST cannot be reached from another host.
 */
describe('trust boundaries: who may call what, across the three real services', () => {
  let kit: OrderKit;
  let services: ServedDocument[];
  let signingKey: { kid: string; privateKey: KeyObject };

  before(async () => {
    kit = await startOrderKit('trust');
    services = await servedDocuments(kit);
    const { rows } = await kit.pg.query<{ kid: string; private_key_pem: string }>(
      'SELECT kid, private_key_pem FROM "user".signing_keys WHERE active',
    );
    signingKey = { kid: rows[0].kid, privateKey: createPrivateKey(rows[0].private_key_pem) };
  });

  after(() => kit?.close());

  /** Every documented operation of every service, with the scope its OpenAPI document names. */
  const documented = () =>
    services.flatMap(({ name, url, document }) =>
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.entries(operations as Record<string, Record<string, unknown>>).map(([method, operation]) => ({
          service: name,
          url,
          path,
          operation: `${method.toUpperCase()} ${path}`,
          scope: (operation['x-required-scope'] as string | undefined) ?? null,
        })),
      ),
    );

  it("documents in every service's OpenAPI exactly the owners of the README's table", () => {
    const table = readOwnerTable();
    expect(table.length).toBeGreaterThan(10);
    const seen = new Set<string>();
    for (const { service, operation, scope } of documented()) {
      const rows = table.filter((row) => row.operations.some((listed) => covers(listed, operation)));
      expect([service, operation, rows.length]).toEqual([service, operation, 1]);
      expect([service, operation, scope]).toEqual([service, operation, rows[0].scope]);
      for (const listed of rows[0].operations) if (covers(listed, operation)) seen.add(listed);
    }
    // …and the table lists nothing that no service has.
    const listed = table
      .flatMap((row) => row.operations)
      .filter((entry) => !UNDOCUMENTED_OPERATIONS.includes(entry));
    expect(listed.filter((entry) => !seen.has(entry))).toEqual([]);
  });

  it('enforces the documented scope: a token with every other scope gets 403, one with just it gets past', async () => {
    const stockBefore = await kit.stock(1);
    const path = (template: string) => template.replace(/\{[A-Za-z]+\}/g, '1');
    // The operator surfaces are open from loopback (their remote cases: libs/chaos, services/*/test).
    const scoped = documented().filter(
      (entry) => entry.scope && entry.scope !== 'chaos:write' && entry.scope !== 'admin',
    );
    expect(scoped.length).toBeGreaterThanOrEqual(14);
    for (const { service, url, operation, scope } of scoped) {
      const [method, template] = operation.split(' ');
      // The service form of /validate (its caller form confirms one's own account with any user token).
      const body = operation === 'POST /validate' ? { user_id: 1 } : undefined;
      const call = (scopes: readonly string[]) =>
        request(`${url}${path(template)}`, {
          method,
          body,
          token: signToken(signingKey, {
            sub: '1',
            username: 'user',
            role: 'operator',
            scope: scopes.join(' '),
          }),
        });
      const without = await call(ALL_SCOPES.filter((other) => other !== scope));
      expect([service, operation, without.status, without.body?.code]).toEqual([
        service,
        operation,
        403,
        'INSUFFICIENT_SCOPE',
      ]);
      const withIt = await call([scope!]);
      expect([service, operation, [401, 403].includes(withIt.status)]).toEqual([service, operation, false]);
    }
    // The refused calls moved nothing (PUT /inventory/1 without inventory:write among them).
    expect(await kit.stock(1)).toBe(stockBefore);
  });

  it('one token policy: a token without kid is refused by every service, even signed by the real key', async () => {
    const claims = { sub: '1', username: 'user', role: 'operator', scope: ALL_SCOPES.join(' ') };
    const calls = [
      (token: string) => request(`${kit.user.url}/users/1`, { token }),
      (token: string) => request(`${kit.restaurant.url}/inventory/reservations?status=active`, { token }),
      (token: string) => request(`${kit.orderUrl}/orders`, { token }),
    ];
    for (const call of calls) {
      const signed = await call(signToken(signingKey, claims));
      expect(signed.status).toBe(200);
      const withoutKid = await call(signToken(signingKey, claims, false));
      expect([withoutKid.status, withoutKid.body.code]).toEqual([401, 'TOKEN_INVALID']);
    }
  });

  it(
    'listens on loopback unless HOST says otherwise; a listener beyond it changes faults only with the key',
    { skip: remotePeerUnavailable() ?? false },
    async () => {
      const peer = await createRemotePeer();
      const managementPort = await freePort();
      const key = randomBytes(18).toString('base64url');
      // HOST unset (the service's default); the management listener (/health, /metrics, /chaos) on every
      // interface, as a pod's is for the kubelet.
      const service = await startServiceProcess('user', {
        ...kit.stack.baseEnv,
        HOST: '',
        MANAGEMENT_PORT: String(managementPort),
        MANAGEMENT_HOST: '0.0.0.0',
        CHAOS_API_KEY: key,
        SEED_DEMO_USER: 'false',
        OPERATOR_PASSWORD: '',
        REDIS_KEY_PREFIX: `${kit.stack.redis.prefix}loopback:`,
        INSTANCE_ID: `user-loopback-${randomInt(1000)}`,
      });
      try {
        const remote = (port: number, path: string) => `http://${peer.hostAddress}:${port}${path}`;
        // The peer reaches this machine (the management listener answers)…
        expect((await peer.request(remote(managementPort, '/health/live'))).status).toBe(200);
        // …but not the service port, which listens on loopback only.
        await expect(peer.request(remote(service.port, '/health/live'))).rejects.toThrow();
        await expect(
          peer.request(remote(service.port, '/chaos/delay'), { body: { delay_ms: 1 } }),
        ).rejects.toThrow();
        // Through the management listener, fault changes need the key.
        const noKey = await peer.request(remote(managementPort, '/chaos/delay'), { body: { delay_ms: 1 } });
        expect([noKey.status, noKey.body.code]).toEqual([401, 'CHAOS_KEY_REQUIRED']);
        const reset = await peer.request(remote(managementPort, '/chaos'), { method: 'DELETE' });
        expect([reset.status, reset.body.code]).toEqual([401, 'CHAOS_KEY_REQUIRED']);
        const keyed = await peer.request(remote(managementPort, '/chaos'), {
          method: 'DELETE',
          headers: { 'x-chaos-key': key },
        });
        expect(keyed.status).toBe(200);
        // The spec's chaos curl, from the machine that runs the service: no key, no token.
        const local = await request(`${service.url}/chaos/delay`, { body: { delay_ms: 1, ttl_s: 5 } });
        expect(local.status).toBe(200);
        expect((await request(`${service.url}/chaos`, { method: 'DELETE' })).status).toBe(200);
      } finally {
        await service.stop();
        await peer.remove();
      }
    },
  );
});
