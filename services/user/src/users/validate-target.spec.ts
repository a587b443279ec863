import { OPERATOR_SCOPES, USER_SCOPES, type AuthUser } from '@food-delivery/auth';
import { expect } from 'expect';
import { describe, it } from 'node:test';
import { validateTarget } from './validate-target';

const principal = (kind: AuthUser['kind'], id: number, scopes: readonly string[]): AuthUser => ({
  id,
  username: 'x',
  kind,
  scopes: new Set(scopes),
  token: 't',
});

describe('validateTarget', () => {
  const user = principal('user', 7, USER_SCOPES);
  const operator = principal('operator', 9, OPERATOR_SCOPES);
  const service = principal('service', 0, ['users:validate']);

  it("confirms the caller's own account when no user_id is given", () => {
    expect(validateTarget(user, undefined)).toBe(7);
    expect(validateTarget(operator, undefined)).toBe(9);
  });

  it('confirms any user_id for a service or an operator', () => {
    expect(validateTarget(service, 3)).toBe(3);
    expect(validateTarget(operator, 3)).toBe(3);
  });

  it('never tells a user about another account, nor about its own through user_id', () => {
    expect(() => validateTarget(user, 3)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_SCOPE' }));
    expect(() => validateTarget(user, 7)).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_SCOPE' }));
  });

  it('asks a service which user it means', () => {
    expect(() => validateTarget(service, undefined)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });
});
