import { ApiError } from '@food-delivery/http';
import type { ReservationLine, ReservationStatus } from '@food-delivery/contracts';

/** What a reservation request did; part of every mutation response. */
export type ReservationOutcome =
  | 'reserved'
  | 'replayed'
  | 'committed'
  | 'already_committed'
  | 'released'
  | 'already_released'
  | 'cancelled'
  | 'already_cancelled'
  | 'not_found';

export const RESERVATION_OUTCOMES: ReservationOutcome[] = [
  'reserved',
  'replayed',
  'committed',
  'already_committed',
  'released',
  'already_released',
  'cancelled',
  'already_cancelled',
  'not_found',
];

/** How a transition request changes a reservation in its current state. */
export interface TransitionPlan {
  outcome: ReservationOutcome;
  /** Put the reserved units back into stock. */
  restore: boolean;
  /** New status, or null when nothing changes. */
  next: ReservationStatus | null;
}

const noop = (outcome: ReservationOutcome): TransitionPlan => ({ outcome, restore: false, next: null });

/** DELETE: active → released (stock back). Already released/cancelled: no-op. Committed: refused. */
export function planRelease(orderId: string, status: ReservationStatus): TransitionPlan {
  switch (status) {
    case 'active':
      return { outcome: 'released', restore: true, next: 'released' };
    case 'released':
      return noop('already_released');
    case 'cancelled':
      return noop('already_cancelled');
    case 'committed':
      throw new ApiError(
        409,
        'RESERVATION_COMMITTED',
        `Reservation ${orderId} is committed (the order was paid); use /cancel to give its stock back`,
      );
  }
}

/** commit: active → committed. Already committed: no-op. Released/cancelled: refused. */
export function planCommit(orderId: string, status: ReservationStatus): TransitionPlan {
  switch (status) {
    case 'active':
      return { outcome: 'committed', restore: false, next: 'committed' };
    case 'committed':
      return noop('already_committed');
    case 'released':
    case 'cancelled':
      throw new ApiError(
        409,
        'RESERVATION_RELEASED',
        `Reservation ${orderId} is ${status}; its stock is no longer held and it cannot be committed`,
      );
  }
}

/** cancel: gives the stock back whatever the state: active → released, committed → cancelled. */
export function planCancel(_orderId: string, status: ReservationStatus): TransitionPlan {
  switch (status) {
    case 'active':
      return { outcome: 'released', restore: true, next: 'released' };
    case 'committed':
      return { outcome: 'cancelled', restore: true, next: 'cancelled' };
    case 'released':
      return noop('already_released');
    case 'cancelled':
      return noop('already_cancelled');
  }
}

/** Same menus and quantities, in any order. */
export function sameItems(a: ReservationLine[], b: ReservationLine[]): boolean {
  if (a.length !== b.length) return false;
  const byMenu = new Map(a.map((item) => [item.menu_id, item.quantity]));
  return b.every((item) => byMenu.get(item.menu_id) === item.quantity);
}

/**
 * A reserve request for an order id that is already in the ledger: the same request again is answered with
 * the stored reservation; different items, or a reservation already given back, are a 409.
 */
export function checkReplay(
  orderId: string,
  existing: { status: ReservationStatus; items: ReservationLine[] },
  requested: ReservationLine[],
): void {
  if (existing.status === 'released' || existing.status === 'cancelled') {
    throw new ApiError(
      409,
      'RESERVATION_RELEASED',
      `Reservation ${orderId} was already ${existing.status}; an order id cannot reserve stock again`,
    );
  }
  if (!sameItems(existing.items, requested)) {
    throw new ApiError(
      409,
      'RESERVATION_MISMATCH',
      `Order ${orderId} already has a reservation with different items`,
    );
  }
}
