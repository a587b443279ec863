import type { Experiment, Probe } from '../model';
import { OP } from '../workloads';

export { OP };

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

/** An order-service process fault (cpu, memory, GC) under a steady stream of orders. */
export interface OrderProcessFault {
  name: string;
  title: string;
  description: string;
  hypothesis: string;
  /** Order p99 bound during the fault (before and after: 1500 ms). */
  duringP99Ms: number;
  menus: number[];
  rate: number;
  /** The fault step's name and the knob's body. */
  step: string;
  knob: string;
  body: Record<string, unknown>;
}

/**
 * What a process fault on the order service should cost: latency, never correctness — every order confirmed, no
 * 5xx, timeout or drop, both audits hold. The cpu, memory-leak and gc-pressure experiments differ only in the fault.
 */
export function orderProcessFaultExperiment(fault: OrderProcessFault): Experiment {
  return {
    name: fault.name,
    title: fault.title,
    description: fault.description,
    setup: { users: 8, stock: [{ menus: fault.menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: { streams: [{ name: 'orders', rate: fault.rate, work: { type: 'order', menus: fault.menus } }] },
    hypothesis: {
      title: fault.hypothesis,
      probes: [
        { name: 'orders confirmed', type: 'status-share', op: OP.order, statuses: [201], min: 0.99 },
        {
          name: 'order p99',
          type: 'latency',
          op: OP.order,
          percentile: 99,
          maxMs: { before: 1500, during: fault.duringP99Ms, after: 1500 },
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: fault.step,
        fault: { kind: 'chaos', service: 'order', knob: fault.knob, body: fault.body },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
}
