import { expect } from 'expect';
import { describe, it } from 'node:test';
import { matchesRequest, requestTargets, tokenUserId } from './request-targets';

const token = (claims: object) =>
  `Bearer eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('requestTargets: which menus and user a request concerns', () => {
  it('reads menus from /menus/:id, /inventory/:menuId, menu_id and items[].menu_id', () => {
    expect(requestTargets({ template: '/menus/:id', params: { id: '3' } }).menuIds).toEqual([3]);
    expect(requestTargets({ template: '/inventory/:menuId', params: { menuId: '7' } }).menuIds).toEqual([7]);
    expect(
      requestTargets({
        template: '/orders',
        body: { items: [{ menu_id: 2 }, { menu_id: 5 }, { menu_id: 'x' }] },
      }).menuIds,
    ).toEqual([2, 5]);
    expect(requestTargets({ template: '/x', body: { menu_id: 9 } }).menuIds).toEqual([9]);
    // :id of another resource is not a menu.
    expect(requestTargets({ template: '/orders/:id', params: { id: '3' } }).menuIds).toEqual([]);
  });

  it('reads the user from body.user_id, /users/:id, else the bearer token’s numeric sub', () => {
    expect(requestTargets({ body: { user_id: 4 }, authorization: token({ sub: '8' }) }).userId).toBe(4);
    expect(requestTargets({ template: '/users/:id', params: { id: '6' } }).userId).toBe(6);
    expect(requestTargets({ template: '/orders', authorization: token({ sub: '8' }) }).userId).toBe(8);
    expect(tokenUserId(token({ sub: 'service:order-service' }))).toBeNull();
    expect(tokenUserId('Bearer not-a-jwt')).toBeNull();
    expect(tokenUserId(`Bearer a.${Buffer.from('{oops').toString('base64url')}.b`)).toBeNull();
    expect(tokenUserId(undefined)).toBeNull();
    expect(requestTargets({ body: { user_id: -1 } }).userId).toBeNull();
  });

  it('matchesRequest: no match hits all; a match hits only its menus and/or users', () => {
    const order = {
      template: '/orders',
      body: { items: [{ menu_id: 3 }] },
      authorization: token({ sub: '8' }),
    };
    expect(matchesRequest(null, order)).toBe(true);
    expect(matchesRequest({ menu_id: [3] }, order)).toBe(true);
    expect(matchesRequest({ menu_id: [4] }, order)).toBe(false);
    expect(matchesRequest({ user_id: [8] }, order)).toBe(true);
    expect(matchesRequest({ user_id: [9] }, order)).toBe(false);
    expect(matchesRequest({ menu_id: [3], user_id: [9] }, order)).toBe(false);
    // A request that names no menu is not hit by a menu match.
    expect(matchesRequest({ menu_id: [3] }, { template: '/menus' })).toBe(false);
  });
});
