import { expect } from 'expect';
import { describe, it } from 'node:test';
import { checkReplay, planCancel, planCommit, planRelease, sameItems } from './reservation-rules';
import type { ReservationStatus } from '@food-delivery/contracts';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

describe('reservation transitions', () => {
  const statuses: ReservationStatus[] = ['active', 'committed', 'released', 'cancelled'];

  it('release restores an active reservation once, is a no-op afterwards and refuses a committed one', () => {
    expect(planRelease('1', 'active')).toEqual({ outcome: 'released', restore: true, next: 'released' });
    expect(planRelease('1', 'released')).toEqual({ outcome: 'already_released', restore: false, next: null });
    expect(planRelease('1', 'cancelled')).toEqual({
      outcome: 'already_cancelled',
      restore: false,
      next: null,
    });
    expect(codeOf(() => planRelease('1', 'committed'))).toBe('RESERVATION_COMMITTED');
  });

  it('commit consumes an active reservation once and refuses one given back', () => {
    expect(planCommit('1', 'active')).toEqual({ outcome: 'committed', restore: false, next: 'committed' });
    expect(planCommit('1', 'committed')).toEqual({
      outcome: 'already_committed',
      restore: false,
      next: null,
    });
    expect(codeOf(() => planCommit('1', 'released'))).toBe('RESERVATION_RELEASED');
    expect(codeOf(() => planCommit('1', 'cancelled'))).toBe('RESERVATION_RELEASED');
  });

  it('cancel gives stock back from active or committed, exactly once', () => {
    expect(planCancel('1', 'active')).toMatchObject({ restore: true, next: 'released' });
    expect(planCancel('1', 'committed')).toMatchObject({ restore: true, next: 'cancelled' });
    expect(planCancel('1', 'released')).toMatchObject({ restore: false, next: null });
    expect(planCancel('1', 'cancelled')).toMatchObject({ restore: false, next: null });
  });

  it('never restores stock from a state that no longer holds it', () => {
    for (const plan of [planRelease, planCommit, planCancel]) {
      for (const status of statuses) {
        let restores = false;
        try {
          restores = plan('1', status).restore;
        } catch {
          // refused transitions restore nothing
        }
        if (status === 'released' || status === 'cancelled') expect(restores).toBe(false);
      }
    }
  });
});

describe('replays', () => {
  const items = [
    { menu_id: 1, quantity: 2 },
    { menu_id: 3, quantity: 1 },
  ];

  it('compares items regardless of order', () => {
    expect(sameItems(items, [...items].reverse())).toBe(true);
    expect(sameItems(items, [{ menu_id: 1, quantity: 2 }])).toBe(false);
    expect(sameItems(items, [items[0], { menu_id: 3, quantity: 2 }])).toBe(false);
    expect(sameItems(items, [items[0], { menu_id: 4, quantity: 1 }])).toBe(false);
  });

  it('accepts the same request for a held or committed reservation', () => {
    expect(() => checkReplay('7', { status: 'active', items }, items)).not.toThrow();
    expect(() => checkReplay('7', { status: 'committed', items }, [...items].reverse())).not.toThrow();
  });

  it('refuses different items, and any request once the reservation was given back', () => {
    expect(codeOf(() => checkReplay('7', { status: 'active', items }, [items[0]]))).toBe(
      'RESERVATION_MISMATCH',
    );
    expect(codeOf(() => checkReplay('7', { status: 'released', items: [] }, items))).toBe(
      'RESERVATION_RELEASED',
    );
    expect(codeOf(() => checkReplay('7', { status: 'cancelled', items }, items))).toBe(
      'RESERVATION_RELEASED',
    );
  });
});
