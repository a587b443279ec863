import { ApiError } from '@food-delivery/http';
import { counter, setSpanAttributes } from '@food-delivery/observability';

const reservations = counter({
  name: 'inventory_reservations_total',
  help:
    'Reservation calls from the order service by operation (reserve, commit, release, cancel) and outcome ' +
    '(reserved, replayed, committed, released, cancelled, not_found...) or error code (insufficient_stock...)',
  labelNames: ['operation', 'outcome'] as const,
});

/** Counts a reservation call by how it ended: its outcome, or the error it answered with. */
export async function countReservation<T extends { result: { outcome: string } }>(
  operation: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    const timed = await call();
    reservations.inc({ operation, outcome: timed.result.outcome });
    setSpanAttributes({ 'reservation.outcome': timed.result.outcome });
    return timed;
  } catch (error) {
    reservations.inc({ operation, outcome: error instanceof ApiError ? error.code.toLowerCase() : 'error' });
    throw error;
  }
}

/** Counts one order of a batched commit (`operation="commit"`, the same series as single commits). */
export function countCommit(result: string): void {
  reservations.inc({ operation: 'commit', outcome: result.toLowerCase() });
}
