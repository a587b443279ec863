import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { withSpan } from '@food-delivery/observability';
import { PeriodicTask } from '@food-delivery/service-core';
import type { CallContext } from '../downstream/call-context';
import { RestaurantServiceClient, type TransitionResult } from '../downstream/restaurant-service.client';
import { sagaTaskAttempts } from '../metrics';
import { OrderEnv } from '../order.env';
import { OrderStore } from '../orders/order-store.service';
import { SagaTasks, type ClaimedTask, type SagaAction } from './saga-tasks.service';

type Verdict = { result: 'done' } | { result: 'retry' | 'dead'; error: string };

/**
 * Refusals that a later attempt may overcome (token trouble, throttling, an order of a batched commit that the
 * restaurant could not settle this time); every other 4xx is final.
 */
const RETRYABLE_STATUSES = new Set([401, 403, 408, 429, 503]);

/** The most commits sent to the restaurant in one call (its limit is 500). */
const COMMIT_BATCH_MAX = 500;

/**
 * Executes the saga's outbox: the release / commit / cancel calls the restaurant must eventually accept. A cancel,
 * and a release after a payment failure, are first tried inline by the request that queued them (`runInline`);
 * commits, releases after a failed reservation and whatever failed inline are run by this worker in the
 * background (commits batched), retried with exponential backoff with jitter until the restaurant confirms. Both
 * use the service token. Every call is idempotent at the restaurant, so running a task twice is harmless.
 */
@Injectable()
export class SagaWorker implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SagaWorker.name);
  /** Rounds run outside the waking request's trace: a commit batch concerns many orders (`saga.commit_batch`). */
  private readonly loop: PeriodicTask;
  /** How long a task may be held by one attempt (inline or claimed) before another replica may take it. */
  readonly leaseMs: number;

  constructor(
    private readonly tasks: SagaTasks,
    private readonly restaurant: RestaurantServiceClient,
    private readonly orders: OrderStore,
    private readonly env: OrderEnv,
  ) {
    // Worst case of one attempt: every retry timing out, plus the client's backoff, plus a margin.
    this.leaseMs = env.RESTAURANT_SERVICE_TIMEOUT_MS * (env.RESTAURANT_SERVICE_RETRIES + 1) + 3000;
    this.loop = new PeriodicTask({
      name: 'Saga worker',
      intervalMs: env.SAGA_WORKER_INTERVAL_MS,
      round: () => this.runRound(),
      logger: this.logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Run a round soon (a task was queued for the background). */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Tries a freshly queued task right away on behalf of the request that queued it. Never throws: a failure is
   * recorded and left to the background worker.
   */
  async runInline(orderId: number, action: SagaAction, context: CallContext): Promise<boolean> {
    const verdict = await this.execute(orderId, action, context);
    await this.record({ orderId, action, attempts: 1 }, verdict, false);
    return verdict.result === 'done';
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One round: claim due tasks and run them with bounded concurrency; true when more may be due already. */
  async runRound(): Promise<boolean> {
    let claimed: ClaimedTask[];
    try {
      claimed = await this.tasks.claimDue(this.env.SAGA_WORKER_BATCH, this.leaseMs);
    } catch (error) {
      this.logger.warn(`Could not claim saga tasks: ${(error as Error).message}`);
      return false;
    }
    // Commits go to the restaurant in batches (one call and one statement for many orders); the rest one by one.
    const commits = claimed.filter((task) => task.action === 'commit');
    const queue = claimed.filter((task) => task.action !== 'commit');
    for (let i = 0; i < commits.length; i += COMMIT_BATCH_MAX) {
      await this.runCommits(commits.slice(i, i + COMMIT_BATCH_MAX));
    }
    const runner = async () => {
      for (let task = queue.shift(); task; task = queue.shift()) {
        const verdict = await this.execute(task.orderId, task.action, {});
        await this.record(task, verdict, true);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.env.SAGA_WORKER_CONCURRENCY, queue.length) }, runner),
    );
    // A full batch means more may be due: go again at once.
    return claimed.length === this.env.SAGA_WORKER_BATCH;
  }

  /** One batched commit call; tasks it settled are completed together, the others recorded one by one. */
  private runCommits(tasks: ClaimedTask[]): Promise<void> {
    return withSpan('saga.commit_batch', { 'saga.batch_size': tasks.length }, () => this.commitBatch(tasks));
  }

  private async commitBatch(tasks: ClaimedTask[]): Promise<void> {
    const verdicts = await this.commitVerdicts(tasks.map((task) => task.orderId));
    const done = tasks.filter((task) => verdicts.get(task.orderId)?.result === 'done');
    if (done.length) {
      try {
        await this.tasks.completeMany(
          done.map((task) => task.orderId),
          'commit',
        );
        sagaTaskAttempts.inc({ action: 'commit', result: 'done' }, done.length);
      } catch (error) {
        // The rows stay: their lease expires and the (idempotent) commits are sent again.
        this.logger.warn(`Could not record ${done.length} commits: ${(error as Error).message}`);
      }
    }
    for (const task of tasks) {
      const verdict = verdicts.get(task.orderId);
      if (verdict && verdict.result !== 'done') await this.record(task, verdict, true);
    }
  }

  /** Commits the orders' reservations in one call and judges each answer. */
  private async commitVerdicts(orderIds: number[]): Promise<Map<number, Verdict>> {
    const verdicts = new Map<number, Verdict>();
    let results: Map<number, TransitionResult>;
    try {
      results = await this.restaurant.commitMany(orderIds);
    } catch (error) {
      // DependencyError (timeout, open circuit, 5xx), the service token being unavailable.
      const verdict: Verdict = {
        result: 'retry',
        error: error instanceof Error ? error.message : String(error),
      };
      for (const id of orderIds) verdicts.set(id, verdict);
      return verdicts;
    }
    for (const id of orderIds) {
      const committed = results.get(id) ?? {
        done: false as const,
        status: 503,
        code: 'NO_RESULT',
        message: 'the restaurant did not answer for this order',
      };
      if (committed.done || !['RESERVATION_RELEASED', 'RESERVATION_NOT_FOUND'].includes(committed.code)) {
        verdicts.set(id, verdictOf(committed));
        continue;
      }
      // The reservation was given back: expected only when the order was cancelled meanwhile.
      try {
        const order = await this.orders.findById(id);
        verdicts.set(id, order?.status === 'CANCELLED' ? { result: 'done' } : verdictOf(committed));
      } catch (error) {
        verdicts.set(id, { result: 'retry', error: (error as Error).message });
      }
    }
    return verdicts;
  }

  private async record(task: ClaimedTask, verdict: Verdict, counted: boolean): Promise<void> {
    const { orderId, action, attempts } = task;
    sagaTaskAttempts.inc({ action, result: verdict.result });
    try {
      if (verdict.result === 'done') {
        await this.tasks.complete(orderId, action);
        return;
      }
      if (verdict.result === 'dead') {
        await this.tasks.markDead(orderId, action, verdict.error);
        this.logger.error(
          { event: 'saga.task_dead', order_id: orderId, action, error: verdict.error },
          `Saga task ${action} of order ${orderId} refused for good: ${verdict.error}`,
        );
        return;
      }
      const delayMs = this.backoff(attempts);
      await this.tasks.retryLater(orderId, action, delayMs, verdict.error, counted);
      const log = {
        event: 'saga.task_retry',
        order_id: orderId,
        action,
        attempts,
        delay_ms: Math.round(delayMs),
      };
      const message = `Saga task ${action} of order ${orderId} failed (attempt ${attempts}): ${verdict.error}`;
      // Quiet for the first failures (expected under chaos), loud when it keeps failing.
      if (attempts >= 5) this.logger.warn(log, message);
      else this.logger.log(log, message);
    } catch (error) {
      // The task row stays as it was: its lease expires and it is tried again.
      this.logger.warn(
        `Could not record saga task ${action} of order ${orderId}: ${(error as Error).message}`,
      );
    }
  }

  /** Exponential backoff with jitter: half the step fixed, half random, capped. */
  private backoff(attempts: number): number {
    const step = Math.min(
      this.env.SAGA_RETRY_MAX_MS,
      this.env.SAGA_RETRY_BASE_MS * 2 ** Math.min(attempts - 1, 20),
    );
    return step / 2 + (Math.random() * step) / 2;
  }

  private async execute(orderId: number, action: SagaAction, context: CallContext): Promise<Verdict> {
    try {
      switch (action) {
        case 'release': {
          const released = await this.restaurant.release(orderId, context);
          // A reservation committed behind our back must still give its stock back: cancel handles that state.
          if (!released.done && released.code === 'RESERVATION_COMMITTED') {
            return verdictOf(await this.restaurant.cancel(orderId, context));
          }
          return verdictOf(released);
        }
        case 'cancel':
          return verdictOf(await this.restaurant.cancel(orderId, context));
        case 'commit':
          return (await this.commitVerdicts([orderId])).get(orderId)!;
      }
    } catch (error) {
      // DependencyError (timeout, open circuit, 5xx), the service token being unavailable, a database hiccup.
      return { result: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
  }
}

function verdictOf(result: TransitionResult): Verdict {
  if (result.done) return { result: 'done' };
  const error = `HTTP ${result.status} ${result.code}: ${result.message}`;
  return { result: RETRYABLE_STATUSES.has(result.status) ? 'retry' : 'dead', error };
}
