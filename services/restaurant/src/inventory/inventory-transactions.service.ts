import { Injectable, Logger } from '@nestjs/common';
import { ChaosService } from '@food-delivery/chaos';
import { applyInventoryDelay } from '../chaos/inventory-delay.knob';
import { sqlState, type PreparedStatement } from '@food-delivery/database';
import { ApiError } from '@food-delivery/http';
import {
  lockTimings,
  setSpanAttributes,
  tracedHistogram,
  withSpan,
  type TracedHistogram,
} from '@food-delivery/observability';
import type { Attributes, Span } from '@opentelemetry/api';
import { bulkhead, BulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';
import { performance } from 'node:perf_hooks';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../common/sql';
import { RestaurantEnv } from '../restaurant.env';

export interface LockedMenu {
  id: number;
  name: string;
  price: number;
  stock: number;
}

/**
 * How long a request queued for an inventory slot, how long its transaction waited for the menu row locks, and
 * how long it then held them (until the commit).
 */
export interface LockTimings {
  queueMs: number;
  waitMs: number;
  holdMs: number;
}

/** lock_not_available (lock_timeout) and query_canceled (statement_timeout). */
const BUSY_STATES = new Set(['55P03', '57014']);

const LOCK_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Get-or-create (tests run several apps in one process), with trace-id exemplars linking to a slow transaction. */
function lockHistogram(name: string, help: string): TracedHistogram<'operation'> {
  return tracedHistogram({ name, help, labelNames: ['operation'], buckets: LOCK_BUCKETS });
}

/** One inventory transaction: raw SQL plus ordered, timed menu row locks. */
export class InventoryTx {
  lockWaitMs = 0;
  lockedAt: number | null = null;
  injectedDelayMs = 0;

  constructor(
    readonly manager: EntityManager,
    private readonly chaos: ChaosService,
    /** The transaction's `inventory.<operation>` span: lock wait and hold are recorded on it. */
    readonly span: Span,
  ) {}

  query<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return queryRows<T>(this.manager, text, params);
  }

  /**
   * SELECT ... FOR UPDATE on the given menus, in ascending id order: every transaction takes row locks in the
   * same order, so multi-item reservations cannot deadlock each other. Then applies the chaos inventory_delay
   * while the locks are held. Returns the locked rows by id (unknown ids are simply absent).
   */
  async lockMenus(ids: number[], { chaos = true } = {}): Promise<Map<number, LockedMenu>> {
    const sorted = [...new Set(ids)].sort((a, b) => a - b);
    const started = performance.now();
    const rows = await this.query<LockedMenu>(
      `SELECT id, name, price, stock FROM restaurant.menus WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE`,
      [sorted],
    );
    const locked = performance.now();
    this.lockWaitMs += locked - started;
    this.lockedAt ??= locked;
    setSpanAttributes({ 'menu.id': sorted }, this.span);
    lockTimings.acquired(this.span, locked - started, this.lockWaitMs);
    if (chaos) this.injectedDelayMs += await applyInventoryDelay(this.chaos, { menuIds: sorted });
    return new Map(rows.map((row) => [row.id, row]));
  }
}

const busy = (message: string) =>
  new ApiError(503, 'INVENTORY_BUSY', message, { headers: { 'retry-after': '1' } });

/**
 * Runs stock-moving transactions: a bounded number at once (the rest queue, boundedly), each with a bounded lock
 * wait; measures queueing, lock wait and lock hold separately.
 */
@Injectable()
export class InventoryTransactions {
  private readonly logger = new Logger('InventoryLocks');
  private readonly slots: BulkheadPolicy;
  private readonly lockWait = lockHistogram(
    'inventory_lock_wait_seconds',
    'Time an inventory transaction waited for its menu row locks',
  );
  private readonly lockHold = lockHistogram(
    'inventory_lock_hold_seconds',
    'Time an inventory transaction held its menu row locks, until commit (includes chaos inventory_delay)',
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly chaos: ChaosService,
    private readonly env: RestaurantEnv,
  ) {
    this.slots = bulkhead(
      env.INVENTORY_MAX_CONCURRENCY ?? Math.max(1, env.DATABASE_POOL_MAX - 2),
      env.INVENTORY_QUEUE_MAX,
    );
  }

  /**
   * Runs `work` in one transaction inside an `inventory.<operation>` span (its SQL spans nest under it, `tx.span`
   * takes domain attributes), which carries the queueing time, the menu ids, and the lock wait and lock hold as
   * separate events.
   */
  run<T>(
    operation: string,
    work: (tx: InventoryTx) => Promise<T>,
  ): Promise<{ result: T; timings: LockTimings }> {
    return this.inSlot(operation, {}, (span, queueMs) => this.transact(operation, work, queueMs, span));
  }

  /**
   * Runs one self-contained statement (its own transaction: it locks, checks and writes in a single round trip)
   * with the same bounds, span and metrics as `run`. Lock wait and hold both happen inside the statement: its
   * duration is reported as the wait, the hold as 0.
   */
  runStatement<T>(
    operation: string,
    statement: PreparedStatement<T>,
    params: unknown[],
    attributes: Attributes = {},
  ): Promise<{ rows: T[]; timings: LockTimings }> {
    return this.inSlot(operation, attributes, async (span, queueMs) => {
      const started = performance.now();
      const rows = await statement.run(this.dataSource, params);
      const timings = { queueMs, waitMs: performance.now() - started, holdMs: 0 };
      lockTimings.acquired(span, timings.waitMs, timings.waitMs);
      lockTimings.released(span, 0);
      this.lockWait.observe({ operation }, timings.waitMs / 1000);
      this.lockHold.observe({ operation }, 0);
      return { rows, timings };
    });
  }

  /**
   * The bounds every inventory update runs in: an `inventory.<operation>` span, a slot of the bulkhead (queueing
   * time recorded), and 503 INVENTORY_BUSY when the queue is full or a lock or statement timeout fires.
   */
  private inSlot<R>(
    operation: string,
    attributes: Attributes,
    work: (span: Span, queueMs: number) => Promise<R>,
  ): Promise<R> {
    const queued = performance.now();
    const spanAttributes = { 'inventory.operation': operation, ...attributes };
    return withSpan(`inventory.${operation}`, spanAttributes, async (span) => {
      try {
        return await this.slots.execute(() => {
          const queueMs = performance.now() - queued;
          lockTimings.queued(span, queueMs);
          return work(span, queueMs);
        });
      } catch (error) {
        if (error instanceof BulkheadRejectedError) {
          throw busy('Too many inventory updates in flight, retry shortly');
        }
        throw asInventoryBusy(error);
      }
    });
  }

  private async transact<T>(
    operation: string,
    work: (tx: InventoryTx) => Promise<T>,
    queueMs: number,
    span: Span,
  ): Promise<{ result: T; timings: LockTimings }> {
    let tx: InventoryTx | undefined;
    try {
      const result = await this.dataSource.transaction(async (manager) => {
        // Every connection has lock_timeout = INVENTORY_LOCK_TIMEOUT_MS (see database.ts): a longer lock wait
        // ends in 503 INVENTORY_BUSY rather than a request queueing for minutes.
        tx = new InventoryTx(manager, this.chaos, span);
        return work(tx);
      });
      const timings = {
        queueMs,
        waitMs: tx?.lockWaitMs ?? 0,
        holdMs: tx?.lockedAt ? performance.now() - tx.lockedAt : 0,
      };
      if (tx?.lockedAt) {
        lockTimings.released(span, timings.holdMs);
        this.lockWait.observe({ operation }, timings.waitMs / 1000);
        this.lockHold.observe({ operation }, timings.holdMs / 1000);
      }
      this.logger.debug(
        {
          event: 'inventory.lock',
          operation,
          queue_ms: Math.round(queueMs),
          lock_wait_ms: Math.round(timings.waitMs),
          lock_hold_ms: Math.round(timings.holdMs),
          injected_delay_ms: tx?.injectedDelayMs ?? 0,
        },
        'Inventory transaction committed',
      );
      return { result, timings };
    } catch (error) {
      throw asInventoryBusy(error);
    }
  }
}

/** A lock or statement timeout becomes 503 INVENTORY_BUSY (retry shortly); any other error is left as it is. */
export function asInventoryBusy(error: unknown): unknown {
  return BUSY_STATES.has(sqlState(error) ?? '')
    ? busy('Inventory rows are locked too long, retry shortly')
    : error;
}

/** `Server-Timing` value exposing the lock figures to clients and load tools. */
export function serverTiming({ queueMs, waitMs, holdMs }: LockTimings): string {
  return `queue;dur=${queueMs.toFixed(1)}, lock-wait;dur=${waitMs.toFixed(1)}, lock-hold;dur=${holdMs.toFixed(1)}`;
}
