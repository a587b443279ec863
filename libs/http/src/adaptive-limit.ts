/**
 * An adaptive concurrency limit in the manner of Netflix's Gradient2 (concurrency-limits): the limit follows the
 * ratio of the long-term latency to the latency of the last window. While requests take as long as usual the
 * limit grows (by a small queue allowance per window, up to the ceiling); as soon as they take longer, because
 * the CPU, the event loop or a pool is saturated and requests queue inside the process, it shrinks in proportion,
 * so the requests it admits keep close to their usual latency and the excess is refused at once instead of
 * queueing. No fixed count fits every route and machine: this one is learned from the service's own latency.
 *
 * Hand-written: npm has no maintained implementation (see docs/architecture.md for the measurement).
 */
export interface AdaptiveLimitOptions {
  /** Upper bound (MAX_IN_FLIGHT_REQUESTS). */
  maxLimit: number;
  /** Lower bound: a service always takes this many at once. */
  minLimit?: number;
  /** Where the limit starts (default: the ceiling, so that a service takes bursts until it is seen to struggle). */
  initialLimit?: number;
  /** Latency of the last window allowed relative to the long-term latency before the limit shrinks. */
  tolerance?: number;
  /** Length of a window, ms; a window needs at least `minSamples` completed requests to count. */
  windowMs?: number;
  minSamples?: number;
}

export class AdaptiveLimit {
  private readonly maxLimit: number;
  private readonly minLimit: number;
  private readonly tolerance: number;
  private readonly windowMs: number;
  private readonly minSamples: number;
  private estimate: number;
  /** Mean latency (ms) of requests that did not queue: learned while the limit is not reached. */
  private baseline = 0;
  private windowStart = 0;
  private windowSum = 0;
  private windowCount = 0;
  private windowMaxInFlight = 0;

  constructor(options: AdaptiveLimitOptions) {
    this.maxLimit = options.maxLimit;
    this.minLimit = Math.min(options.minLimit ?? 8, options.maxLimit);
    this.tolerance = options.tolerance ?? 1.5;
    this.windowMs = options.windowMs ?? 100;
    this.minSamples = options.minSamples ?? 8;
    this.estimate = Math.min(options.initialLimit ?? this.maxLimit, this.maxLimit);
  }

  /** Requests that may be in flight now. */
  get limit(): number {
    return Math.floor(this.estimate);
  }

  /** The no-queueing latency the limit aims at (ms), for metrics and tests. */
  get baselineMs(): number {
    return this.baseline;
  }

  /** One admitted request completed after `latencyMs`; `inFlight` others were being handled meanwhile. */
  sample(latencyMs: number, inFlight: number, now = performance.now()): void {
    if (this.windowCount === 0) this.windowStart = now;
    this.windowSum += latencyMs;
    this.windowCount += 1;
    this.windowMaxInFlight = Math.max(this.windowMaxInFlight, inFlight + 1);
    if (now - this.windowStart < this.windowMs) return;
    // Shrinking takes a window of enough samples; growing back while traffic is light takes any window.
    const saturated = this.windowMaxInFlight >= this.estimate / 2;
    if (saturated && this.windowCount < this.minSamples) return;
    const windowLatency = this.windowSum / this.windowCount;
    const busiest = this.windowMaxInFlight;
    this.windowSum = 0;
    this.windowCount = 0;
    this.windowMaxInFlight = 0;
    this.update(windowLatency, busiest);
  }

  private update(windowLatency: number, busiest: number): void {
    const saturated = busiest >= this.estimate / 2;
    if (this.baseline === 0) {
      this.baseline = windowLatency;
    } else if (!saturated) {
      // Well below the limit nothing queues: this is the service's own latency for today's mix of requests.
      this.baseline += 0.2 * (windowLatency - this.baseline);
    } else {
      // Saturated: only a faster window lowers it, and it creeps up 0.02 % a window (doubling in some 6 minutes
      // of 100 ms windows) so that a baseline learned from a lighter mix of requests cannot hold the limit at
      // its floor for ever. No faster: requests queueing behind the limit must not teach it that queueing is
      // normal.
      this.baseline = Math.min(this.baseline * 1.0002, windowLatency);
    }
    if (!saturated) {
      // Traffic well below the limit says nothing about latency at the limit; while it is light and quick, the
      // limit drifts back toward the ceiling (a tenth of the way a window), so a burst after a calm is admitted
      // until it is seen to queue.
      if (windowLatency <= this.tolerance * this.baseline)
        this.estimate += (this.maxLimit - this.estimate) * 0.1;
      return;
    }
    const gradient = Math.max(0.5, Math.min(1, (this.tolerance * this.baseline) / windowLatency));
    const next = this.estimate * gradient + Math.sqrt(this.estimate);
    // Smoothed: a slow window moves the limit half of the way down (queueing hurts at once), a quick one a fifth
    // of the way up.
    const smoothing = next < this.estimate ? 0.5 : 0.2;
    this.estimate = Math.max(
      this.minLimit,
      Math.min(this.maxLimit, this.estimate * (1 - smoothing) + next * smoothing),
    );
  }
}
