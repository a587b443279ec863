import { defineExperiment } from '../model';
import { orderProcessFaultExperiment, range } from './common';

/** memory_leak: retained heap grows to a cap; the service must stay correct while GC works harder. */
export default defineExperiment((ctx) => {
  const mbPerS = ctx.param('mb_per_s', 20);
  return orderProcessFaultExperiment({
    name: 'memory-leak',
    title: `Memory leak: the order service retains ${mbPerS} MB/s of heap up to 200 MB`,
    description:
      'POST /chaos/memory_leak on the order service: heap and RSS climb on the service dashboard ' +
      '(nodejs_heap_size_used_bytes, process_resident_memory_bytes) and major GCs get longer ' +
      '(nodejs_gc_duration_seconds) until max_mb; on reset everything is released. Below the container limit ' +
      'graceful degradation means no errors and a modest latency cost; near it the OOM killer ends the process ' +
      'and the supervisor or Kubernetes restarts it (cap: CHAOS_MAX_LEAK_MB).',
    hypothesis: 'a growing heap below the limit costs latency, never correctness',
    duringP99Ms: 2500,
    menus: range(6, 10),
    rate: ctx.param('rate', 8),
    step: `order memory_leak ${mbPerS} MB/s`,
    knob: 'memory_leak',
    body: { mb_per_s: mbPerS, max_mb: 200 },
  });
});
