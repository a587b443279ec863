import { tracedHistogram } from '@food-delivery/observability';
import { Counter, register } from 'prom-client';

function metric<T>(name: string, create: () => T): T {
  // Several apps may share one process (tests, replicas): reuse the series instead of registering twice.
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** Orders that reached a final state (or were answered while still PENDING), by status and failure reason. */
export const ordersTotal = metric(
  'orders_total',
  () =>
    new Counter({
      name: 'orders_total',
      help: 'Orders by the state the saga left them in, and the failure reason',
      labelNames: ['status', 'reason'],
    }),
);

/** With trace-id exemplars: a slow saga on the dashboard links to its trace. */
export const sagaDuration = tracedHistogram({
  name: 'order_saga_duration_seconds',
  help: 'Time from placing an order to answering the client, by final status',
  labelNames: ['status'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
});

export const sagaTaskAttempts = metric(
  'order_saga_task_attempts_total',
  () =>
    new Counter({
      name: 'order_saga_task_attempts_total',
      help: 'Attempts of outbox tasks (reservation release/commit/cancel calls), by action and result',
      labelNames: ['action', 'result'],
    }),
);

export const recoveries = metric(
  'order_recoveries_total',
  () =>
    new Counter({
      name: 'order_recoveries_total',
      help: 'Orders stuck in PENDING that the recovery loop settled, by the status it gave them',
      labelNames: ['status'],
    }),
);
