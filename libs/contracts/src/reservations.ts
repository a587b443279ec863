/*
 * The reservation API between the order service (caller) and the restaurant service (the stock ledger):
 * POST /inventory/reservations and its transitions. Both sides import these, so they cannot drift apart.
 */

/**
 * States of a reservation in the restaurant's ledger:
 * active    → stock is held for the order
 * committed → the order is paid; the stock is consumed and a release is refused
 * released  → given back before commit (also the tombstone left by releasing an unknown order id)
 * cancelled → a committed reservation given back (order cancelled after confirmation)
 */
export type ReservationStatus = 'active' | 'committed' | 'released' | 'cancelled';

export const RESERVATION_STATUSES: readonly ReservationStatus[] = [
  'active',
  'committed',
  'released',
  'cancelled',
];

/** One requested line: a menu and how many of it. */
export interface ReservationLine {
  menu_id: number;
  quantity: number;
}

/** One reserved line as the restaurant answers it, priced when reserved (KRW won). */
export interface ReservedLine extends ReservationLine {
  name: string;
  unit_price: number;
  line_total: number;
}

/**
 * Largest quantity of one line, the same for an order (public, POST /orders) and for the reservation it
 * becomes: the restaurant's ledger is called by the order service only, so it accepts exactly what an order may
 * ask for. The spec sets no limit; 1000 is the one the order service has always documented.
 */
export const MAX_LINE_QUANTITY = 1000;
