import { defineExperiment } from '../model';
import { inventoryAudit, OP, ordersAudit, range } from './common';

/** The dependency knob: latency between the order service and the user service only (a slow network hop). */
export default defineExperiment((ctx) => {
  const latencyMs = ctx.param('latency_ms', 300);
  const menus = range(16, 20);
  return {
    name: 'dependency-latency',
    title: `Dependency latency: +${latencyMs} ms on the order service's calls to the user service only`,
    description:
      'POST /chaos/dependency {"target": "user-service", "mode": "latency"} on the order service: every call it ' +
      'makes to the user service waits first, like a slow network hop (Toxiproxy-style), while the user service ' +
      'itself stays fast. Orders pay the added latency once (one validation per order); menu reads, which need ' +
      'no user-service call, do not. Below the client timeout nothing fails. Seen in the trace (the ' +
      'chaos.injected event on the order span), in http_client_request_duration_seconds{dependency="user-service"} ' +
      'and in the “Chaos” dashboard.',
    setup: { users: 8, stock: [{ menus, stock: 100_000 }] },
    phases: { before: 10, during: 20, after: 10, recoveryGraceS: 1 },
    load: {
      streams: [
        { name: 'orders', rate: ctx.param('rate', 6), work: { type: 'order', menus } },
        { name: 'menus', rate: 6, work: { type: 'read-menus', menus } },
      ],
    },
    hypothesis: {
      title: 'the latency lands on the orders that call the user service, and nothing fails',
      probes: [
        {
          name: 'orders still confirmed',
          type: 'status-share',
          op: OP.order,
          statuses: [201],
          min: 0.99,
        },
        {
          name: 'orders pay the added latency (median), only during the fault',
          type: 'latency',
          op: OP.order,
          percentile: 50,
          minMs: { during: latencyMs },
          maxMs: { before: 1000, after: 1000 },
        },
        {
          name: 'menu reads (no user-service call) are not slowed down',
          type: 'latency',
          op: OP.menus,
          percentile: 95,
          maxMs: Math.max(250, latencyMs - 50),
        },
        { name: 'no 5xx, timeouts or drops', type: 'error-rate', max: 0.01 },
        inventoryAudit,
        ordersAudit,
      ],
    },
    method: [
      {
        at: 0,
        name: `order → user-service +${latencyMs} ms`,
        fault: {
          kind: 'chaos',
          service: 'order',
          knob: 'dependency',
          body: { target: 'user-service', mode: 'latency', latency_ms: latencyMs },
        },
      },
    ],
    rollbacks: [{ kind: 'chaos-reset', service: 'order' }],
  };
});
