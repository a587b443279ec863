import { defineExperiment } from '../model';
import { orderProcessFaultExperiment, range } from './common';

/** cpu: a busy neighbour inside the order process. */
export default defineExperiment((ctx) => {
  const loadPercent = ctx.param('load_percent', 60);
  return orderProcessFaultExperiment({
    name: 'cpu-saturation',
    title: `CPU saturation: the order service burns ${loadPercent}% of a core off its event loop`,
    description:
      'POST /chaos/cpu on the order service: a worker thread burns that share of a core (process CPU rises on ' +
      'the service dashboard, as with a noisy neighbour or a runaway background job) while the event loop stays ' +
      'free. Graceful degradation means requests keep succeeding and only get somewhat slower, in proportion to ' +
      'how contended the cores are; nothing times out. The fault has a default TTL (CHAOS_DESTRUCTIVE_TTL_S) and ' +
      'a cap (CHAOS_MAX_CPU_PERCENT). Seen in process_cpu_seconds_total, the “Chaos” dashboard and the ' +
      '“chaos: burning” log line.',
    hypothesis: 'the service stays correct and responsive while a core is busy',
    duringP99Ms: 2500,
    menus: range(1, 5),
    rate: ctx.param('rate', 6),
    step: `order cpu ${loadPercent}%`,
    knob: 'cpu',
    body: { load_percent: loadPercent },
  });
});
