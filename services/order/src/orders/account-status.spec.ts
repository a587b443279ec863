import { expect } from 'expect';
import { describe, it } from 'node:test';
import { accountCheckPlan } from './account-status.service';

const FRESH = 30_000;

describe('accountCheckPlan', () => {
  it('checks an account never seen', () => {
    expect(accountCheckPlan(null, false, FRESH)).toBe('check');
  });
  it('trusts a fresh answer, active or not', () => {
    expect(accountCheckPlan(0, true, FRESH)).toBe('use');
    expect(accountCheckPlan(FRESH - 1, false, FRESH)).toBe('use');
  });
  it('lets a known-active account through while refreshing, up to twice the interval', () => {
    expect(accountCheckPlan(FRESH, true, FRESH)).toBe('use-and-refresh');
    expect(accountCheckPlan(2 * FRESH - 1, true, FRESH)).toBe('use-and-refresh');
    expect(accountCheckPlan(2 * FRESH, true, FRESH)).toBe('check');
  });
  it('checks a stale refusal again instead of refusing forever', () => {
    expect(accountCheckPlan(FRESH, false, FRESH)).toBe('check');
  });
});
