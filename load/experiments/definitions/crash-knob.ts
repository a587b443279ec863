import { defineExperiment } from '../model';
import { orderCrashExperiment } from './order-crash';

/** The crash knob: order-2 kills itself (SIGKILL) mid-saga, as POST /chaos/crash asks; order-crash without a kill -9. */
export default defineExperiment(() =>
  orderCrashExperiment({
    name: 'crash-knob',
    title: 'Crash knob: POST /chaos/crash {"instance": "order-2"} kills one of two order replicas mid-flow',
    description:
      'The order service is told to crash one replica (`instance: order-2`, SIGKILL right away, one-shot): the ' +
      'fault travels through Redis to order-2, which logs "crashing order-2 with SIGKILL", counts it in ' +
      'chaos_injections_total{type="crash"} and dies inside sagas (SAGA_PAUSE_BEFORE_PAYMENT_MS). Graceful ' +
      'degradation is the same as order-crash: the gateway answers what the dead replica held with 503 and routes ' +
      'around it, the other replica recovers the orders it left PENDING, nothing is lost; under npm start or ' +
      'Kubernetes the replica comes back by itself (here: the rollback starts it). `repeat: true` would make it ' +
      'a crash loop under a supervisor (tests/process-chaos.e2e-spec.ts). Needs --start-stack.',
    step: {
      at: 4,
      name: 'order-2 crash knob (SIGKILL)',
      fault: {
        kind: 'chaos',
        service: 'order',
        knob: 'crash',
        instance: 'order-2',
        body: { after_ms: 0, signal: 'SIGKILL' },
      },
    },
    // Reset first: a replica started while a one-shot crash is still stored is newer than it and is spared anyway.
    rollbacks: [
      { kind: 'chaos-reset', service: 'order' },
      { kind: 'start', target: 'order-2' },
    ],
  }),
);
