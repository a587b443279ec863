import { defineExperiment } from '../model';
import { orderProcessFaultExperiment, range } from './common';

/** gc_pressure: allocation churn; the collector competes with the requests for the main thread. */
export default defineExperiment((ctx) => {
  const mbPerS = ctx.param('alloc_mb_per_s', 200);
  return orderProcessFaultExperiment({
    name: 'gc-pressure',
    title: `GC pressure: the order service churns ${mbPerS} MB/s of short-lived garbage`,
    description:
      'POST /chaos/gc_pressure on the order service: arrays that live 200 ms pile up and die, so the collector ' +
      'runs dozens of times a second (nodejs_gc_duration_seconds on the service dashboard) and takes main-thread ' +
      'time from the requests. Graceful degradation: no errors, a modest latency cost.',
    hypothesis: 'GC churn costs latency, never correctness',
    duringP99Ms: 2500,
    menus: range(6, 10),
    rate: ctx.param('rate', 8),
    step: `order gc_pressure ${mbPerS} MB/s`,
    knob: 'gc_pressure',
    body: { alloc_mb_per_s: mbPerS },
  });
});
