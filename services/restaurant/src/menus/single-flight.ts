/**
 * Collapses concurrent calls for the same key into one execution: while a load for a key is in flight, later
 * callers get the same promise. Used so a burst of cache misses hits Postgres once per key and replica.
 */
export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  run(key: string, load: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key);
    if (existing) return existing;
    const flight = Promise.resolve()
      .then(load)
      .finally(() => {
        // Only remove our own flight: forget() may already have let a newer one take the slot.
        if (this.inflight.get(key) === flight) this.inflight.delete(key);
      });
    this.inflight.set(key, flight);
    return flight;
  }

  /** Later callers start a fresh load instead of joining one that began before a write. */
  forget(key: string): void {
    this.inflight.delete(key);
  }

  get size(): number {
    return this.inflight.size;
  }
}
