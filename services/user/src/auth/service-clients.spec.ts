import { Scope } from '@food-delivery/auth';
import { expect } from 'expect';
import { describe, it } from 'node:test';
import { grantedScopes, parseServiceClients, serviceClientScopes } from './service-clients';

describe('service client scopes', () => {
  it('gives only the order service the reservation ledger', () => {
    expect(serviceClientScopes('order-service')).toEqual(
      expect.arrayContaining([Scope.ReservationsWrite, Scope.ReservationsRead, Scope.UsersValidate]),
    );
    expect(serviceClientScopes('load-generator')).not.toContain(Scope.ReservationsWrite);
    expect(serviceClientScopes('load-generator')).not.toContain(Scope.ChaosWrite);
    for (const client of ['order-service', 'other']) {
      expect(serviceClientScopes(client)).not.toContain(Scope.Admin);
      expect(serviceClientScopes(client)).not.toContain(Scope.Orders);
    }
  });

  it('narrows to the requested scopes and refuses scopes that are not granted', () => {
    expect(grantedScopes('order-service', undefined)).toEqual(serviceClientScopes('order-service'));
    expect(grantedScopes('order-service', ' users:validate ')).toEqual([Scope.UsersValidate]);
    expect(grantedScopes('other', 'reservations:write')).toBeNull();
    expect(grantedScopes('order-service', 'chaos:write')).toBeNull();
  });

  it('parses id:secret pairs, secrets may contain colons', () => {
    expect([...parseServiceClients('a:one,b:two:three')]).toEqual([
      ['a', 'one'],
      ['b', 'two:three'],
    ]);
    expect(parseServiceClients(undefined).size).toBe(0);
  });
});
