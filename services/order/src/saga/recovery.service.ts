import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { PeriodicTask } from '@food-delivery/service-core';
import { DataSource } from 'typeorm';
import { RestaurantServiceClient } from '../downstream/restaurant-service.client';
import { recoveries } from '../metrics';
import { OrderEnv } from '../order.env';
import { OrderStore } from '../orders/order-store.service';
import { SagaWorker } from './saga-worker.service';

/**
 * Drives orders stuck in PENDING (their saga died with a replica, or lost its database connection) to a final
 * state. At start-up and every RECOVERY_INTERVAL_MS, orders PENDING for longer than RECOVERY_PENDING_AFTER_MS
 * are claimed (`FOR UPDATE SKIP LOCKED` plus a lease, so replicas share the work) and the restaurant is asked
 * about their reservation:
 *   none / released / cancelled → FAILED, release queued anyway (tombstones a reserve still in flight)
 *   active                      → FAILED, release queued (the payment outcome is unknown: not paid)
 *   committed                   → CONFIRMED (the saga got that far)
 * Every change is a conditional update from PENDING, so a saga that is merely slow and finishes first wins.
 */
@Injectable()
export class RecoveryService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RecoveryService.name);
  private readonly loop: PeriodicTask;
  private readonly leaseMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly restaurant: RestaurantServiceClient,
    private readonly orders: OrderStore,
    private readonly worker: SagaWorker,
    private readonly env: OrderEnv,
  ) {
    this.leaseMs = Math.max(env.RECOVERY_INTERVAL_MS, worker.leaseMs);
    this.loop = new PeriodicTask({
      name: 'Recovery',
      intervalMs: env.RECOVERY_INTERVAL_MS,
      round: async () => {
        await this.runRound();
      },
      logger: this.logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One round; returns how many orders it settled. */
  async runRound(): Promise<number> {
    let claimed: number[];
    try {
      claimed = await this.claimStuck();
    } catch (error) {
      this.logger.warn(`Could not look for stuck orders: ${(error as Error).message}`);
      return 0;
    }
    let settled = 0;
    // One at a time: recovery is rare, and must not crowd out live traffic.
    for (const orderId of claimed) {
      if (this.loop.stopped) break;
      if (await this.settle(orderId)) settled += 1;
    }
    return settled;
  }

  private async claimStuck(): Promise<number[]> {
    const [rows] = await this.dataSource.query<[{ id: number }[], number]>(
      `UPDATE "order"."orders" o SET recovery_claimed_at = now()
        WHERE o.id IN (SELECT id FROM "order"."orders"
                        WHERE status = 'PENDING'
                          AND created_at < now() - $1 * interval '1 millisecond'
                          AND (recovery_claimed_at IS NULL
                               OR recovery_claimed_at < now() - $2 * interval '1 millisecond')
                        ORDER BY created_at
                        LIMIT $3
                        FOR UPDATE SKIP LOCKED)
        RETURNING o.id`,
      [this.env.RECOVERY_PENDING_AFTER_MS, this.leaseMs, this.env.RECOVERY_BATCH],
    );
    return rows.map((row) => row.id);
  }

  private async settle(orderId: number): Promise<boolean> {
    let reservation;
    try {
      reservation = await this.restaurant.find(orderId);
    } catch (error) {
      // Cannot tell what happened: leave it PENDING (its stock, if any, stays held) and ask again next lease.
      this.logger.warn(
        { event: 'order.recovery_deferred', order_id: orderId },
        `Recovery of order ${orderId} deferred: ${(error as Error).message}`,
      );
      return false;
    }
    try {
      if (reservation?.status === 'committed') {
        const confirmed = await this.orders.transition(orderId, ['PENDING'], 'CONFIRMED', {
          priced: reservation.items,
        });
        if (!confirmed) return false;
        recoveries.inc({ status: 'CONFIRMED' });
        this.logger.log(
          { event: 'order.recovered', order_id: orderId, status: 'CONFIRMED', reservation: 'committed' },
          `Order ${orderId} recovered: CONFIRMED (its reservation was committed)`,
        );
        return true;
      }
      const failed = await this.orders.transition(orderId, ['PENDING'], 'FAILED', {
        reason: 'SAGA_INTERRUPTED',
        task: { action: 'release', leaseMs: this.worker.leaseMs },
      });
      if (!failed) return false;
      recoveries.inc({ status: 'FAILED' });
      this.logger.warn(
        {
          event: 'order.recovered',
          order_id: orderId,
          status: 'FAILED',
          reason: 'SAGA_INTERRUPTED',
          reservation: reservation?.status ?? 'none',
        },
        `Order ${orderId} recovered: FAILED (saga interrupted; reservation ${reservation?.status ?? 'none'}, released)`,
      );
      await this.worker.runInline(orderId, 'release', {});
      return true;
    } catch (error) {
      this.logger.warn(`Recovery of order ${orderId} failed: ${(error as Error).message}`);
      return false;
    }
  }
}
