import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ReservationStatus } from '@food-delivery/contracts';
import { RestaurantServiceClient } from '../downstream/restaurant-service.client';
import { OrderEnv } from '../order.env';
import { SagaTasks } from '../saga/saga-tasks.service';
import type { AuditViolationDto, MenuStockAuditDto, OrderAuditDto } from './dto/order-audit.dto';

const MAX_LISTED_VIOLATIONS = 200;
const PAGE_SIZE = 500;

/**
 * The system-wide invariant, joining the restaurant's ledger with our orders:
 *   for every menu: initial_stock = stock + Σ quantities of CONFIRMED orders
 *   no active or committed reservation belongs to a FAILED or CANCELLED order (or to no order at all)
 * Read-only and not a snapshot across the two services: meaningful once traffic has stopped and the saga worker
 * and the recovery loop have settled every order (`settled: true`, i.e. nothing was in flight when the audit
 * began, nor when it ended).
 */
@Injectable()
export class OrderAuditService {
  /** Concurrent callers share one run: the audit reads a lot and is public. */
  private inflight: Promise<OrderAuditDto> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly restaurant: RestaurantServiceClient,
    private readonly tasks: SagaTasks,
    private readonly env: OrderEnv,
  ) {}

  audit(): Promise<OrderAuditDto> {
    this.inflight ??= this.run().finally(() => (this.inflight = null));
    return this.inflight;
  }

  /** No PENDING order and no saga task waiting. */
  private async isSettled(): Promise<boolean> {
    const [row] = await this.dataSource.query<{ settled: boolean }[]>(
      `SELECT NOT EXISTS (SELECT 1 FROM "order"."orders" WHERE status = 'PENDING')
              AND NOT EXISTS (SELECT 1 FROM "order"."saga_tasks" WHERE dead_at IS NULL) AS settled`,
    );
    return row.settled;
  }

  private async run(): Promise<OrderAuditDto> {
    const violations: AuditViolationDto[] = [];
    let violationCount = 0;
    const report = (violation: AuditViolationDto) => {
      violationCount += 1;
      if (violations.length < MAX_LISTED_VIOLATIONS) violations.push(violation);
    };

    // Whether anything was in flight is read before the restaurant and again at the end: an order settling
    // while the audit reads (a release landing between the restaurant's figures and ours) must not make a
    // half-old picture look settled.
    const settledBefore = await this.isSettled();
    const restaurantAudit = await this.restaurant.audit();
    const confirmed = new Map(
      (
        await this.dataSource.query<{ menu_id: number; quantity: string }[]>(
          `SELECT i.menu_id, SUM(i.quantity)::bigint AS quantity
             FROM "order"."order_items" i JOIN "order"."orders" o ON o.id = i.order_id
            WHERE o.status = 'CONFIRMED'
            GROUP BY i.menu_id`,
        )
      ).map((row) => [row.menu_id, Number(row.quantity)]),
    );

    const menus: MenuStockAuditDto[] = restaurantAudit.menus.map((menu) => {
      const confirmedQuantity = confirmed.get(menu.menu_id) ?? 0;
      confirmed.delete(menu.menu_id);
      const drift = menu.initial_stock - (menu.stock + confirmedQuantity);
      if (drift !== 0) {
        report({
          type: 'stock_mismatch',
          menu_id: menu.menu_id,
          message:
            `menu ${menu.menu_id}: initial ${menu.initial_stock} ≠ stock ${menu.stock} + confirmed ` +
            `${confirmedQuantity} (drift ${drift}; reserved active ${menu.reserved_active}, committed ` +
            `${menu.reserved_committed})`,
        });
      }
      if (!menu.ok) {
        report({
          type: 'restaurant_invariant',
          menu_id: menu.menu_id,
          message: `menu ${menu.menu_id}: the restaurant's own ledger does not add up`,
        });
      }
      return {
        menu_id: menu.menu_id,
        name: menu.name,
        initial_stock: menu.initial_stock,
        stock: menu.stock,
        confirmed_quantity: confirmedQuantity,
        drift,
        ok: drift === 0,
      };
    });
    for (const [menuId, quantity] of confirmed) {
      report({
        type: 'stock_mismatch',
        menu_id: menuId,
        message: `menu ${menuId}: ${quantity} units in CONFIRMED orders, but the restaurant has no such menu`,
      });
    }

    let truncated = false;
    let seen = 0;
    for (const status of ['active', 'committed'] as ReservationStatus[]) {
      let after: string | null = null;
      do {
        if (seen >= this.env.AUDIT_MAX_RESERVATIONS) {
          truncated = true;
          break;
        }
        const page = await this.restaurant.list(status, after, PAGE_SIZE);
        seen += page.reservations.length;
        await this.checkReservations(
          page.reservations.map((r) => r.order_id),
          status,
          report,
        );
        after = page.next_after;
      } while (after);
    }

    const orders = Object.fromEntries(
      (
        await this.dataSource.query<{ status: string; n: string }[]>(
          `SELECT status, count(*) AS n FROM "order"."orders" GROUP BY status`,
        )
      ).map((row) => [row.status, Number(row.n)]),
    );
    const counts = { PENDING: 0, CONFIRMED: 0, FAILED: 0, CANCELLED: 0, ...orders };
    const sagaTasks = await this.tasks.counts();
    for (const task of await this.tasks.dead(MAX_LISTED_VIOLATIONS)) {
      report({
        type: 'dead_saga_task',
        order_id: String(task.order_id),
        message: `order ${task.order_id}: ${task.action} refused for good (${task.last_error ?? 'no detail'})`,
      });
    }

    return {
      ok: violationCount === 0,
      settled: settledBefore && counts.PENDING === 0 && sagaTasks.pending === 0,
      checked_at: new Date().toISOString(),
      orders: counts,
      saga_tasks: sagaTasks,
      reservations: restaurantAudit.reservations,
      violation_count: violationCount,
      violations,
      menus,
      truncated,
    };
  }

  /** Reservations that still hold stock must belong to an order that is CONFIRMED (or still deciding). */
  private async checkReservations(
    orderIds: string[],
    reservationStatus: ReservationStatus,
    report: (violation: AuditViolationDto) => void,
  ): Promise<void> {
    if (!orderIds.length) return;
    const numeric = orderIds.filter((id) => /^[0-9]{1,10}$/.test(id)).map(Number);
    const rows = await this.dataSource.query<{ id: number; status: string }[]>(
      `SELECT id, status FROM "order"."orders" WHERE id = ANY($1::int[])`,
      [numeric.filter((id) => id <= 2_147_483_647)],
    );
    const statusOf = new Map(rows.map((row) => [String(row.id), row.status]));
    for (const orderId of orderIds) {
      const status = statusOf.get(orderId);
      if (!status) {
        report({
          type: 'orphan_reservation',
          order_id: orderId,
          message: `reservation ${orderId} is ${reservationStatus} but no such order exists`,
        });
      } else if (status === 'FAILED' || status === 'CANCELLED') {
        report({
          type: 'reservation_of_inactive_order',
          order_id: orderId,
          message: `order ${orderId} is ${status} but its reservation is ${reservationStatus}`,
        });
      }
    }
  }
}
