import { defineExperiment } from '../model';
import { orderProcessFaultExperiment, range } from './common';

/** gc_pressure: allocation churn and forced full collections; the collector competes with the requests for the main thread. */
export default defineExperiment((ctx) => {
  const mbPerS = ctx.param('alloc_mb_per_s', 200);
  const fullGcPerS = ctx.param('full_gc_per_s', 4);
  return orderProcessFaultExperiment({
    name: 'gc-pressure',
    title: `GC pressure: the order service churns ${mbPerS} MB/s of short-lived garbage, ${fullGcPerS} full GCs/s`,
    description:
      'POST /chaos/gc_pressure on the order service: arrays that live 200 ms pile up and die, and full ' +
      'collections are forced a few times a second, so the collector runs dozens of times a second, major ' +
      'collections included (nodejs_gc_duration_seconds{kind="major"} on the service dashboard), and each full ' +
      'one pauses the requests. Graceful degradation: no errors, a modest latency cost.',
    hypothesis: 'GC churn costs latency, never correctness',
    duringP99Ms: 2500,
    menus: range(6, 10),
    rate: ctx.param('rate', 8),
    step: `order gc_pressure ${mbPerS} MB/s, ${fullGcPerS} full GCs/s`,
    knob: 'gc_pressure',
    body: { alloc_mb_per_s: mbPerS, full_gc_per_s: fullGcPerS },
  });
});
