import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '@food-delivery/auth';
import { ApiError } from '@food-delivery/http';
import { setSpanAttributes } from '@food-delivery/observability';
import { DataSource } from 'typeorm';
import { InventoryTransactions, type InventoryTx } from '../inventory/inventory-transactions.service';
import type { Timed } from '../inventory/inventory.service';
import { insufficientStock, type Shortage } from '../inventory/stock-errors';
import { MenuCache } from '../menus/menu-cache.service';
import type {
  CreateReservationDto,
  ListReservationsQueryDto,
  ReservationDto,
  ReservationPageDto,
  ReservationResultDto,
} from './dto/reservation.dto';
import { toOrderKey } from './order-key';
import { countReservation } from './reservation-metrics';
import {
  checkReplay,
  planCancel,
  planCommit,
  planRelease,
  type ReservationOutcome,
  type TransitionPlan,
} from './reservation-rules';
import type { ReservationStatus } from './reservation.entity';

interface ReservationRow {
  order_id: string;
  status: ReservationStatus;
  user_id: number | null;
  created_at: Date;
  updated_at: Date;
  committed_at: Date | null;
  released_at: Date | null;
  items: { menu_id: number; name: string; quantity: number; unit_price: number }[];
}

const RESERVATION_COLUMNS = 'order_id, status, user_id, created_at, updated_at, committed_at, released_at';

/** Reservations with their items (and menu names) in one query; `where` filters `r`. */
const selectReservations = (where: string, tail = '') => `
  SELECT r.order_id, r.status, r.user_id, r.created_at, r.updated_at, r.committed_at, r.released_at,
         COALESCE(
           json_agg(json_build_object('menu_id', i.menu_id, 'name', m.name, 'quantity', i.quantity,
                                      'unit_price', i.unit_price) ORDER BY i.menu_id)
             FILTER (WHERE i.menu_id IS NOT NULL),
           '[]'::json) AS items
    FROM restaurant.reservations r
    LEFT JOIN restaurant.reservation_items i ON i.order_id = r.order_id
    LEFT JOIN restaurant.menus m ON m.id = i.menu_id
   WHERE ${where}
   GROUP BY r.order_id
   ${tail}`;

/** Takes the stock and writes the items, for rows the transaction has locked and checked. */
const TAKE_STOCK = `
  WITH lines AS (
    SELECT * FROM unnest($2::int[], $3::int[], $4::int[]) AS l(menu_id, quantity, unit_price)
  ), taken AS (
    UPDATE restaurant.menus m SET stock = m.stock - l.quantity, updated_at = now()
      FROM lines l WHERE m.id = l.menu_id
    RETURNING m.id
  )
  INSERT INTO restaurant.reservation_items (order_id, menu_id, quantity, unit_price)
  SELECT $1, menu_id, quantity, unit_price FROM lines`;

const GIVE_BACK_STOCK = `
  UPDATE restaurant.menus m SET stock = m.stock + l.quantity, updated_at = now()
    FROM unnest($1::int[], $2::int[]) AS l(menu_id, quantity)
   WHERE m.id = l.menu_id`;

const reservationNotFound = (orderId: string) =>
  new ApiError(404, 'RESERVATION_NOT_FOUND', `No reservation for order ${orderId}`);

/**
 * The reservation ledger the order service drives: reserve → commit, or reserve → release, keyed by order id so
 * every call is safe to retry. Every stock movement happens in one transaction with the menu rows locked in
 * ascending id order, and is paired with a ledger change, which keeps the audit invariant true at all times.
 */
@Injectable()
export class ReservationsService {
  private readonly logger = new Logger(ReservationsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: InventoryTransactions,
    private readonly cache: MenuCache,
  ) {}

  reserve(dto: CreateReservationDto, user: AuthUser): Promise<Timed<ReservationResultDto>> {
    return countReservation('reserve', () => this.reserveOnce(dto, user));
  }

  private async reserveOnce(dto: CreateReservationDto, user: AuthUser): Promise<Timed<ReservationResultDto>> {
    const orderId = toOrderKey(dto.order_id) as string; // validated by the DTO
    const items = [...dto.items].sort((a, b) => a.menu_id - b.menu_id);
    const menuIds = items.map((item) => item.menu_id);

    const timed = await this.transactions.run('reserve', async (tx) => {
      setSpanAttributes({ 'order.id': orderId }, tx.span);
      // Claiming the ledger row first serialises identical requests: a concurrent one waits on this insert and
      // then finds the committed reservation (or, if this one rolls back, claims the key itself).
      const [claimed] = await tx.query<Omit<ReservationRow, 'items'>>(
        `INSERT INTO restaurant.reservations (order_id, status, user_id) VALUES ($1, 'active', $2)
         ON CONFLICT (order_id) DO NOTHING RETURNING ${RESERVATION_COLUMNS}`,
        [orderId, user.id],
      );
      if (!claimed) {
        const [existing] = await tx.query<ReservationRow>(selectReservations('r.order_id = $1'), [orderId]);
        checkReplay(orderId, existing, items);
        return { reservation: existing, outcome: 'replayed' as const };
      }

      const menus = await tx.lockMenus(menuIds);
      const missing = menuIds.filter((id) => !menus.has(id));
      if (missing.length) {
        throw new ApiError(404, 'MENU_NOT_FOUND', `Menu ${missing.join(', ')} does not exist`);
      }
      const shortages: Shortage[] = [];
      for (const item of items) {
        const menu = menus.get(item.menu_id)!;
        if (menu.stock < item.quantity) {
          shortages.push({
            menu_id: menu.id,
            name: menu.name,
            requested: item.quantity,
            in_stock: menu.stock,
          });
        }
      }
      // Throwing rolls back the claimed ledger row too: nothing is reserved, nothing is recorded.
      if (shortages.length) throw insufficientStock(shortages);

      const prices = items.map((item) => menus.get(item.menu_id)!.price);
      await tx.query(TAKE_STOCK, [orderId, menuIds, items.map((item) => item.quantity), prices]);
      const reservation: ReservationRow = {
        ...claimed,
        items: items.map((item, index) => ({
          menu_id: item.menu_id,
          name: menus.get(item.menu_id)!.name,
          quantity: item.quantity,
          unit_price: prices[index],
        })),
      };
      return { reservation, outcome: 'reserved' as const };
    });

    const { reservation, outcome } = timed.result;
    if (outcome === 'reserved') {
      await this.cache.invalidateMenus(menuIds);
      this.logger.log(
        { event: 'reservation.reserved', order_id: orderId, items: items.length },
        'Stock reserved',
      );
    }
    return { result: toResult(reservation, outcome), timings: timed.timings };
  }

  /** Gives an active reservation's stock back (DELETE). */
  release(orderId: string, user: AuthUser): Promise<Timed<ReservationResultDto>> {
    return this.transition('release', orderId, user, planRelease);
  }

  /** Marks an active reservation consumed, so a later release is refused. */
  commit(orderId: string, user: AuthUser): Promise<Timed<ReservationResultDto>> {
    return this.transition('commit', orderId, user, planCommit);
  }

  /** Gives the stock back from an active or committed reservation (order cancelled after confirmation). */
  cancel(orderId: string, user: AuthUser): Promise<Timed<ReservationResultDto>> {
    return this.transition('cancel', orderId, user, planCancel);
  }

  async findOne(orderId: string): Promise<ReservationDto> {
    const [row] = await this.dataSource.query<ReservationRow[]>(selectReservations('r.order_id = $1'), [
      orderId,
    ]);
    if (!row) throw reservationNotFound(orderId);
    return toDto(row);
  }

  /** A page of reservations ordered by order id (keyset pagination), optionally of one status. */
  async list(query: ListReservationsQueryDto): Promise<ReservationPageDto> {
    const limit = query.limit ?? 100;
    const rows = await this.dataSource.query<ReservationRow[]>(
      selectReservations(
        '($1::varchar IS NULL OR r.status = $1) AND ($2::varchar IS NULL OR r.order_id > $2)',
        'ORDER BY r.order_id LIMIT $3',
      ),
      [query.status ?? null, query.after ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      reservations: page.map(toDto),
      next_after: rows.length > limit ? page[page.length - 1].order_id : null,
    };
  }

  private transition(
    operation: 'release' | 'commit' | 'cancel',
    orderId: string,
    user: AuthUser,
    plan: (orderId: string, status: ReservationStatus) => TransitionPlan,
  ): Promise<Timed<ReservationResultDto>> {
    return countReservation(operation, () => this.transitionOnce(operation, orderId, user, plan));
  }

  private async transitionOnce(
    operation: 'release' | 'commit' | 'cancel',
    orderId: string,
    user: AuthUser,
    plan: (orderId: string, status: ReservationStatus) => TransitionPlan,
  ): Promise<Timed<ReservationResultDto>> {
    const timed = await this.transactions.run(operation, async (tx) => {
      setSpanAttributes({ 'order.id': orderId }, tx.span);
      let status = await this.lockReservation(tx, orderId);
      if (status === null) {
        if (operation === 'commit') throw reservationNotFound(orderId);
        // Record the release of an unknown order id, so a reserve that arrives late (a retry that was stuck
        // behind a lock or in the network) is refused instead of holding stock for an order that is gone.
        const [tombstone] = await tx.query<{ order_id: string }>(
          `INSERT INTO restaurant.reservations (order_id, status, user_id, released_at)
           VALUES ($1, 'released', $2, now()) ON CONFLICT (order_id) DO NOTHING RETURNING order_id`,
          [orderId, user.id],
        );
        if (tombstone) {
          return {
            outcome: 'not_found' as const,
            restored: [] as number[],
            row: await this.read(tx, orderId),
          };
        }
        // A reserve for this order id committed while we looked: act on it.
        status = await this.lockReservation(tx, orderId);
        if (status === null) throw reservationNotFound(orderId);
      }

      const step = plan(orderId, status);
      let restored: number[] = [];
      if (step.restore) {
        const lines = await tx.query<{ menu_id: number; quantity: number }>(
          `SELECT menu_id, quantity FROM restaurant.reservation_items WHERE order_id = $1 ORDER BY menu_id`,
          [orderId],
        );
        restored = lines.map((line) => line.menu_id);
        await tx.lockMenus(restored);
        await tx.query(GIVE_BACK_STOCK, [restored, lines.map((line) => line.quantity)]);
      }
      if (step.next) {
        await tx.query(
          `UPDATE restaurant.reservations
              SET status = $2::varchar, updated_at = now(),
                  committed_at = CASE WHEN $2::varchar = 'committed' THEN now() ELSE committed_at END,
                  released_at = CASE WHEN $2::varchar IN ('released', 'cancelled') THEN now() ELSE released_at END
            WHERE order_id = $1`,
          [orderId, step.next],
        );
      }
      return { outcome: step.outcome, restored, row: await this.read(tx, orderId) };
    });

    const { outcome, restored, row } = timed.result;
    if (restored.length) await this.cache.invalidateMenus(restored);
    if (outcome === 'committed' || outcome === 'released' || outcome === 'cancelled') {
      this.logger.log({ event: `reservation.${outcome}`, order_id: orderId }, `Reservation ${outcome}`);
    }
    return { result: toResult(row, outcome), timings: timed.timings };
  }

  private async lockReservation(tx: InventoryTx, orderId: string): Promise<ReservationStatus | null> {
    const [row] = await tx.query<{ status: ReservationStatus }>(
      `SELECT status FROM restaurant.reservations WHERE order_id = $1 FOR UPDATE`,
      [orderId],
    );
    return row?.status ?? null;
  }

  private async read(tx: InventoryTx, orderId: string): Promise<ReservationRow> {
    const [row] = await tx.query<ReservationRow>(selectReservations('r.order_id = $1'), [orderId]);
    return row;
  }
}

function toDto(row: ReservationRow): ReservationDto {
  const items = row.items.map((item) => ({ ...item, line_total: item.quantity * item.unit_price }));
  return {
    order_id: row.order_id,
    status: row.status,
    items,
    total_price: items.reduce((sum, item) => sum + item.line_total, 0),
    currency: 'KRW',
    user_id: row.user_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    committed_at: row.committed_at?.toISOString() ?? null,
    released_at: row.released_at?.toISOString() ?? null,
  };
}

function toResult(row: ReservationRow, outcome: ReservationOutcome): ReservationResultDto {
  return { ...toDto(row), outcome };
}
