import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ACCOUNT_FRESH_MS, ACCOUNT_STALE_MS, accountCheckPlan } from './account-status.service';

describe('accountCheckPlan', () => {
  it('checks an account never seen', () => {
    expect(accountCheckPlan(null, false)).toBe('check');
  });
  it('trusts a fresh answer, active or not', () => {
    expect(accountCheckPlan(0, true)).toBe('use');
    expect(accountCheckPlan(ACCOUNT_FRESH_MS - 1, false)).toBe('use');
  });
  it('lets a known-active account through while refreshing, until the stale limit', () => {
    expect(accountCheckPlan(ACCOUNT_FRESH_MS, true)).toBe('use-and-refresh');
    expect(accountCheckPlan(ACCOUNT_STALE_MS - 1, true)).toBe('use-and-refresh');
    expect(accountCheckPlan(ACCOUNT_STALE_MS, true)).toBe('check');
  });
  it('checks a stale refusal again instead of refusing forever', () => {
    expect(accountCheckPlan(ACCOUNT_FRESH_MS, false)).toBe('check');
  });
});
