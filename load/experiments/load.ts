/**
 * Open-model load: each stream starts arrivals on a fixed schedule (rate per second) whatever the responses do,
 * so a slow system gets more concurrent requests rather than fewer (a closed loop would hide that). In-flight
 * arrivals are bounded; one beyond the bound is dropped and counted, never queued.
 */
export interface ArrivalHandler {
  /** Runs one arrival; `scheduledAt` is when it was due (ms on the run clock). */
  run(stream: string, scheduledAt: number): Promise<void>;
  drop(stream: string, scheduledAt: number): void;
}

interface StreamState {
  rate: number;
  next: number;
  timer: NodeJS.Timeout | null;
}

export class LoadGenerator {
  private readonly streams = new Map<string, StreamState>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  /** How late arrivals started (ms), a sign that the generator itself could not keep up. */
  readonly lags: number[] = [];
  started = 0;
  dropped = 0;

  constructor(
    private readonly now: () => number,
    private readonly handler: ArrivalHandler,
    private readonly maxInFlight: number,
  ) {}

  get inFlight(): number {
    return this.running.size;
  }

  /** Sets a stream's rate from now on (0 pauses it); the schedule restarts at the current time. */
  setRate(stream: string, rate: number): void {
    const state = this.streams.get(stream) ?? { rate: 0, next: 0, timer: null };
    this.streams.set(stream, state);
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    state.rate = rate;
    state.next = this.now();
    if (rate > 0 && !this.stopped) this.arm(stream, state);
  }

  /** Starts no more arrivals. */
  stop(): void {
    this.stopped = true;
    for (const state of this.streams.values()) {
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
    }
  }

  /** Waits for the in-flight arrivals (at most `timeoutMs`). */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.running]), sleep(Math.max(1, deadline - Date.now()))]);
    }
    return this.running.size === 0;
  }

  private arm(stream: string, state: StreamState): void {
    const delay = Math.max(0, state.next - this.now());
    state.timer = setTimeout(() => {
      state.timer = null;
      if (this.stopped || state.rate <= 0) return;
      const now = this.now();
      const interval = 1000 / state.rate;
      // Every arrival that is due starts now, even after a stall: the schedule, not the system, sets the pace.
      while (state.next <= now) {
        this.fire(stream, state.next, now);
        state.next += interval;
      }
      this.arm(stream, state);
    }, delay);
  }

  private fire(stream: string, scheduledAt: number, now: number): void {
    this.started += 1;
    if (this.lags.length < 1_000_000) this.lags.push(now - scheduledAt);
    if (this.running.size >= this.maxInFlight) {
      this.dropped += 1;
      this.handler.drop(stream, scheduledAt);
      return;
    }
    const arrival: Promise<void> = this.handler
      .run(stream, scheduledAt)
      .catch(() => undefined)
      .finally(() => this.running.delete(arrival));
    this.running.add(arrival);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
