import type { Probe } from '../model';

export { OP } from '../workloads';

/** The restaurant's own ledger (initial = stock + active + committed) holds at every moment, even under load. */
export const inventoryAudit: Probe = {
  name: 'stock ledger adds up (GET /inventory/audit)',
  type: 'audit',
  scope: 'inventory',
};

/** Once every order settled: initial = stock + confirmed, and no stock held for a failed or cancelled order. */
export const ordersAudit: Probe = {
  name: 'no stock lost or oversold (GET /orders/audit)',
  type: 'audit',
  scope: 'orders',
};

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
