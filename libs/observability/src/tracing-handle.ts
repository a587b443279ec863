/**
 * The running tracing SDK, shared through a global so the Nest side (MetricsModule) can flush it on shutdown
 * without importing the SDK itself (it is only ever loaded by the `--require`d instrumentation file).
 */
export interface TracingHandle {
  serviceName: string;
  /** Whether spans are exported (an OTLP endpoint or exporter is configured). */
  exporting: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const HANDLE = Symbol.for('food-delivery.tracing');

type Holder = { [HANDLE]?: TracingHandle };

export function setTracingHandle(handle: TracingHandle): void {
  (globalThis as Holder)[HANDLE] = handle;
}

export function tracingHandle(): TracingHandle | undefined {
  return (globalThis as Holder)[HANDLE];
}

/** Exports the spans still buffered, waiting at most `timeoutMs` (an unreachable collector must not stall exit). */
export async function flushTracing(timeoutMs = 3000): Promise<void> {
  const handle = tracingHandle();
  if (!handle) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    handle.forceFlush().catch(() => undefined),
    new Promise<void>((done) => {
      timer = setTimeout(done, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
