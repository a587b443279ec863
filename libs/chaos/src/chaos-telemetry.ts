import { Inject, Injectable, Logger } from '@nestjs/common';
import { SERVICE_NAME } from '@food-delivery/config';
import { trace, type Attributes } from '@opentelemetry/api';
import { Counter, Gauge, register } from 'prom-client';

/** What a replica knows about its active faults, for the gauge. */
export interface ActiveFaultSource {
  readonly service: string;
  readonly knobs: readonly string[];
  /** Fault types in force on this replica right now. */
  activeTypes(): string[];
}

/** Replicas alive in this process (one in production, several in tests), read when Prometheus scrapes. */
const sources = new Set<ActiveFaultSource>();

/** prom-client's default registry is per process: a second app in the same process reuses the metric. */
function getOrCreate<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

const injections = () =>
  getOrCreate(
    'chaos_injections_total',
    () =>
      new Counter({
        name: 'chaos_injections_total',
        help: 'Faults injected by the chaos control plane, by service and fault type',
        labelNames: ['service', 'type'],
      }),
  );

const activeFaults = () =>
  getOrCreate(
    'chaos_active_faults',
    () =>
      new Gauge({
        name: 'chaos_active_faults',
        help: 'Chaos faults currently in force on this replica (1) or not (0), by service and knob',
        labelNames: ['service', 'type'],
        collect() {
          // Computed at scrape time from the live state, so expiry needs no bookkeeping here.
          this.reset();
          const values = new Map<string, number>();
          for (const source of sources) {
            const active = new Set(source.activeTypes());
            for (const type of source.knobs) {
              const key = `${source.service}\u0000${type}`;
              values.set(key, Math.max(values.get(key) ?? 0, active.has(type) ? 1 : 0));
            }
          }
          for (const [key, value] of values) {
            const [service, type] = key.split('\u0000');
            this.set({ service, type }, value);
          }
        },
      }),
  );

/** Makes every injected fault visible: one log line, span attributes + event, and a Prometheus counter. */
@Injectable()
export class ChaosTelemetry {
  private readonly logger = new Logger('Chaos');
  private readonly counter: Counter<'service' | 'type'>;

  constructor(@Inject(SERVICE_NAME) readonly service: string) {
    this.counter = injections();
    activeFaults();
  }

  track(source: ActiveFaultSource): void {
    sources.add(source);
  }

  untrack(source: ActiveFaultSource): void {
    sources.delete(source);
  }

  /** `details` become span attributes `chaos.<key>` and fields of the log line; `context` only the latter. */
  injected(
    type: string,
    details: Record<string, string | number>,
    message: string,
    context: Record<string, string> = {},
  ): void {
    this.counter.inc({ service: this.service, type });
    const attributes: Attributes = { 'chaos.type': type };
    for (const [key, value] of Object.entries(details)) attributes[`chaos.${key}`] = value;
    const span = trace.getActiveSpan();
    if (span) {
      span.setAttributes({ ...attributes, 'chaos.injected': true });
      span.addEvent('chaos.injected', attributes);
    }
    this.logger.warn({ chaos: { type, ...details }, ...context }, `chaos: ${message}`);
  }
}
