import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * release → give an uncommitted reservation back (order FAILED); refused-as-committed falls back to cancel
 * commit  → mark the reservation consumed (order CONFIRMED)
 * cancel  → give the stock back whatever the reservation's state (order CANCELLED)
 */
export type SagaAction = 'release' | 'commit' | 'cancel';

export interface ClaimedTask {
  orderId: number;
  action: SagaAction;
  attempts: number;
}

const SAGA_TASKS = '"order"."saga_tasks"';

/**
 * The saga's outbox table (`saga_tasks`, one row per call the restaurant service must eventually accept, written
 * in the same transaction as the order's status change, deleted once the restaurant confirms): claiming due tasks
 * (several replicas at once), and recording their outcome. SQL only, so no TypeORM entity.
 */
@Injectable()
export class SagaTasks {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims up to `limit` due tasks for this replica: `SKIP LOCKED` keeps replicas from waiting on each other, and
   * pushing `next_attempt_at` out by `leaseMs` keeps them from taking the same task while it runs. A replica that
   * dies mid-task leaves it to be claimed again once the lease is over.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedTask[]> {
    const [rows] = await this.dataSource.query<
      [{ order_id: number; action: SagaAction; attempts: number }[], number]
    >(
      `UPDATE ${SAGA_TASKS} t
          SET attempts = t.attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond'
        WHERE t.id IN (SELECT id FROM ${SAGA_TASKS}
                        WHERE dead_at IS NULL AND next_attempt_at <= now()
                        ORDER BY next_attempt_at
                        LIMIT $1
                        FOR UPDATE SKIP LOCKED)
        RETURNING t.order_id, t.action, t.attempts`,
      [limit, leaseMs],
    );
    return rows.map((row) => ({ orderId: row.order_id, action: row.action, attempts: row.attempts }));
  }

  /** The restaurant confirmed: the task is done. */
  async complete(orderId: number, action: SagaAction): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${SAGA_TASKS} WHERE order_id = $1 AND action = $2`, [
      orderId,
      action,
    ]);
  }

  /** The restaurant confirmed these: the tasks are done. */
  async completeMany(orderIds: number[], action: SagaAction): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${SAGA_TASKS} WHERE order_id = ANY($1::int[]) AND action = $2`, [
      orderIds,
      action,
    ]);
  }

  /** Try again after `delayMs`. `counted`: the attempt was already counted when the task was claimed. */
  async retryLater(
    orderId: number,
    action: SagaAction,
    delayMs: number,
    error: string,
    counted: boolean,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${SAGA_TASKS}
          SET next_attempt_at = now() + $3 * interval '1 millisecond', last_error = $4,
              attempts = attempts + $5
        WHERE order_id = $1 AND action = $2 AND dead_at IS NULL`,
      [orderId, action, Math.round(delayMs), error.slice(0, 500), counted ? 0 : 1],
    );
  }

  /** The restaurant refused the task for good; kept for operators (and the audit) instead of retried forever. */
  async markDead(orderId: number, action: SagaAction, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${SAGA_TASKS} SET dead_at = now(), last_error = $3 WHERE order_id = $1 AND action = $2`,
      [orderId, action, error.slice(0, 500)],
    );
  }

  async counts(): Promise<{ pending: number; dead: number }> {
    const [row] = await this.dataSource.query<{ pending: string; dead: string }[]>(
      `SELECT count(*) FILTER (WHERE dead_at IS NULL) AS pending, count(*) FILTER (WHERE dead_at IS NOT NULL) AS dead
         FROM ${SAGA_TASKS}`,
    );
    return { pending: Number(row.pending), dead: Number(row.dead) };
  }

  async dead(limit: number): Promise<{ order_id: number; action: SagaAction; last_error: string | null }[]> {
    return this.dataSource.query(
      `SELECT order_id, action, last_error FROM ${SAGA_TASKS} WHERE dead_at IS NOT NULL ORDER BY id LIMIT $1`,
      [limit],
    );
  }
}
