import { detachedFromTrace } from '@food-delivery/observability';

export interface PeriodicTaskOptions {
  /** Names the task in the log line of a failed round, e.g. "Saga worker". */
  name: string;
  /** Pause between the end of one round and the start of the next. */
  intervalMs: number;
  /** One round of work; resolving `true` means more is already due, so the next round starts at once. */
  round: () => Promise<boolean | void>;
  logger: { error(message: string): void };
}

/**
 * A background loop of rounds: never two rounds at once, `intervalMs` between them, a failed round logged and
 * followed by the next one. Each round starts outside any trace (a request that wakes the loop must not adopt
 * the round). Stopping waits for the round in progress.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private wakeRequested = false;
  private isStopped = true;

  constructor(private readonly options: PeriodicTaskOptions) {}

  /** True before `start` and after `stop`: a round in progress should end early. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** Runs a first round at once, then one every `intervalMs`. */
  start(): void {
    if (!this.isStopped) return;
    this.isStopped = false;
    this.schedule(0);
  }

  /** Runs a round soon: at once when idle, right after the current one otherwise. */
  wake(): void {
    if (this.isStopped) return;
    if (this.current) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops scheduling rounds and waits for the one in progress. */
  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.isStopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = detachedFromTrace(() =>
      setTimeout(() => {
        this.timer = null;
        this.current = this.options
          .round()
          .then((again) => {
            if (again) this.wakeRequested = true;
          })
          .catch((error: unknown) => {
            this.options.logger.error(`${this.options.name} round failed: ${(error as Error).message}`);
          })
          .finally(() => {
            this.current = null;
            const again = this.wakeRequested;
            this.wakeRequested = false;
            this.schedule(again ? 0 : this.options.intervalMs);
          });
      }, delayMs),
    );
  }
}
