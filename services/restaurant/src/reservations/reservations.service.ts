import { Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import { setSpanAttributes } from '@food-delivery/observability';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { ChaosService } from '@food-delivery/chaos';
import { inventoryDelayActive } from '../chaos/inventory-delay.knob';
import { PreparedStatement } from '@food-delivery/database';
import {
  asInventoryBusy,
  InventoryTransactions,
  type InventoryTx,
  type LockedMenu,
  type LockTimings,
} from '../inventory/inventory-transactions.service';
import type { Timed } from '../inventory/inventory.service';
import { insufficientStock, type Shortage } from '../inventory/stock-errors';
import { MenuCache } from '../menus/menu-cache.service';
import type {
  CommitOutcomeDto,
  CreateReservationDto,
  ListReservationsQueryDto,
  ReservationDto,
  ReservationPageDto,
  ReservationResultDto,
} from './dto/reservation.dto';
import { toOrderKey } from './order-key';
import { countCommit, countReservation } from './reservation-metrics';
import {
  checkReplay,
  planCancel,
  planCommit,
  planRelease,
  type ReservationOutcome,
  type TransitionPlan,
} from './reservation-rules';
import type { ReservationLine, ReservationStatus } from '@food-delivery/contracts';

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

/** What a reservation request came to (before it is answered). */
interface ReserveDecision {
  reservation: ReservationRow;
  outcome: 'reserved' | 'replayed';
}

/** Timestamps as `row_to_json` returns them. */
interface Timestamps {
  created_at: string;
  updated_at: string;
}

/** What RESERVE_IN_ONE_STATEMENT answers: the claimed ledger row (null: nothing written) and the locked menus. */
interface ReserveRow {
  claimed: (Omit<ReservationRow, 'items' | 'created_at' | 'updated_at'> & Timestamps) | null;
  menus: LockedMenu[];
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

/**
 * The whole reservation as one statement, i.e. its own transaction: lock the menu rows in ascending id order,
 * check every line, and only if all are in stock claim the ledger row, take the stock and write the items. The
 * row locks last for the statement only (no round trip while they are held). Answers with the claimed row
 * (null when nothing was written: a shortage, a missing menu, or an order id that already has a reservation)
 * and the locked menus, from which the caller explains a refusal.
 */
const RESERVE_IN_ONE_STATEMENT = new PreparedStatement<ReserveRow>(`
  WITH lines AS (
    SELECT * FROM unnest($2::int[], $3::int[]) AS l(menu_id, quantity)
  ), locked AS (
    SELECT m.id, m.name, m.price, m.stock FROM restaurant.menus m
     WHERE m.id = ANY($2::int[]) ORDER BY m.id FOR UPDATE
  ), verdict AS (
    SELECT count(*) = cardinality($2::int[]) AND COALESCE(bool_and(k.stock >= l.quantity), false) AS ok
      FROM lines l JOIN locked k ON k.id = l.menu_id
  ), claim AS (
    INSERT INTO restaurant.reservations (order_id, status, user_id)
    SELECT $1, 'active', $4 FROM verdict WHERE verdict.ok
    ON CONFLICT (order_id) DO NOTHING
    RETURNING ${RESERVATION_COLUMNS}
  ), taken AS (
    UPDATE restaurant.menus m SET stock = m.stock - l.quantity, updated_at = now()
      FROM lines l WHERE m.id = l.menu_id AND EXISTS (SELECT 1 FROM claim)
  ), items AS (
    INSERT INTO restaurant.reservation_items (order_id, menu_id, quantity, unit_price)
    SELECT $1, l.menu_id, l.quantity, k.price FROM lines l JOIN locked k ON k.id = l.menu_id
     WHERE EXISTS (SELECT 1 FROM claim)
  )
  SELECT (SELECT row_to_json(c) FROM claim c) AS claimed,
         COALESCE((SELECT json_agg(k ORDER BY k.id) FROM locked k), '[]'::json) AS menus`);

/**
 * Active → committed for many order ids in one statement, with each id's status (see commitMany). The ledger only
 * grows, so nothing here may come to read all of it: each id's status is a primary-key lookup (a subquery per id,
 * not a join the planner could turn into a scan of the ledger), and the statement is planned on every call (a
 * plan cached while the ledger was young would scan it on every batch until the table is next analyzed, which
 * without autovacuum is never).
 */
const COMMIT_MANY = new PreparedStatement<{
  order_id: string;
  status: ReservationStatus | null;
  changed: boolean;
}>(
  `
  WITH u AS (
    UPDATE restaurant.reservations SET status = 'committed', updated_at = now(), committed_at = now()
     WHERE order_id = ANY($1::varchar[]) AND status = 'active'
    RETURNING order_id
  )
  SELECT k.order_id,
         (SELECT r.status FROM restaurant.reservations r WHERE r.order_id = k.order_id) AS status,
         u.order_id IS NOT NULL AS changed
    FROM unnest($1::varchar[]) WITH ORDINALITY AS k(order_id, position)
    LEFT JOIN u ON u.order_id = k.order_id
   ORDER BY k.position`,
  { planEveryCall: true },
);

/** Active → committed in one statement, answering with the reservation and its items (the usual commit). */
const COMMIT_ACTIVE = new PreparedStatement<ReservationRow>(`
  WITH u AS (
    UPDATE restaurant.reservations SET status = 'committed', updated_at = now(), committed_at = now()
     WHERE order_id = $1 AND status = 'active'
    RETURNING ${RESERVATION_COLUMNS}
  )
  SELECT u.*,
         COALESCE(
           json_agg(json_build_object('menu_id', i.menu_id, 'name', m.name, 'quantity', i.quantity,
                                      'unit_price', i.unit_price) ORDER BY i.menu_id)
             FILTER (WHERE i.menu_id IS NOT NULL),
           '[]'::json) AS items
    FROM u
    LEFT JOIN restaurant.reservation_items i ON i.order_id = u.order_id
    LEFT JOIN restaurant.menus m ON m.id = i.menu_id
   GROUP BY u.order_id, u.status, u.user_id, u.created_at, u.updated_at, u.committed_at, u.released_at`);

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
    private readonly chaos: ChaosService,
  ) {}

  reserve(dto: CreateReservationDto): Promise<Timed<ReservationResultDto>> {
    return countReservation('reserve', () => this.reserveOnce(dto));
  }

  private async reserveOnce(dto: CreateReservationDto): Promise<Timed<ReservationResultDto>> {
    const userId = dto.user_id ?? null;
    const orderId = toOrderKey(dto.order_id) as string; // validated by the DTO
    const items = [...dto.items].sort((a, b) => a.menu_id - b.menu_id);
    const menuIds = items.map((item) => item.menu_id);

    const timed = inventoryDelayActive(this.chaos, { menuIds, userId })
      ? await this.reserveLocked(orderId, items, userId)
      : await this.reserveInOneStatement(orderId, items, userId);

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

  /** The usual reservation: one statement (see RESERVE_IN_ONE_STATEMENT); refusals explained after it. */
  private async reserveInOneStatement(
    orderId: string,
    items: ReservationLine[],
    userId: number | null,
  ): Promise<{ result: ReserveDecision; timings: LockTimings }> {
    const menuIds = items.map((item) => item.menu_id);
    const { rows, timings } = await this.transactions.runStatement(
      'reserve',
      RESERVE_IN_ONE_STATEMENT,
      reserveParams(orderId, items, userId),
      { 'order.id': orderId, 'menu.id': menuIds },
    );
    const existing = () =>
      this.dataSource.query<ReservationRow[]>(selectReservations('r.order_id = $1'), [orderId]);
    return { result: await decide(orderId, items, rows[0], existing), timings };
  }

  /**
   * The reservation as a transaction of several statements, for when the chaos `inventory_delay` knob is on: the
   * menu rows are locked and the delay waited out before the reservation statement runs (on rows this
   * transaction already holds), so concurrent reservations queue behind it.
   */
  private reserveLocked(
    orderId: string,
    items: ReservationLine[],
    userId: number | null,
  ): Promise<{ result: ReserveDecision; timings: LockTimings }> {
    return this.transactions.run('reserve', async (tx): Promise<ReserveDecision> => {
      setSpanAttributes({ 'order.id': orderId }, tx.span);
      const existing = () => tx.query<ReservationRow>(selectReservations('r.order_id = $1'), [orderId]);
      // A retry of a reservation made earlier is answered at once, without locking (or waiting out the delay).
      const [earlier] = await existing();
      if (earlier) {
        checkReplay(orderId, earlier, items);
        return { reservation: earlier, outcome: 'replayed' };
      }
      await tx.lockMenus(items.map((item) => item.menu_id));
      const [row] = await tx.query<ReserveRow>(
        RESERVE_IN_ONE_STATEMENT.text,
        reserveParams(orderId, items, userId),
      );
      return decide(orderId, items, row, existing);
    });
  }

  /** Gives an active reservation's stock back (DELETE). */
  release(orderId: string): Promise<Timed<ReservationResultDto>> {
    return this.transition('release', orderId, planRelease);
  }

  /**
   * Marks an active reservation consumed, so a later release is refused. The usual case (active → committed
   * moves no stock) is one conditional statement; anything else takes the locked path and its rules.
   */
  commit(orderId: string): Promise<Timed<ReservationResultDto>> {
    return countReservation('commit', async () => {
      const started = performance.now();
      const [row] = await COMMIT_ACTIVE.run(this.dataSource, [orderId]).catch((error: unknown) => {
        throw asInventoryBusy(error);
      });
      if (!row) return this.transitionOnce('commit', orderId, planCommit);
      this.logger.log({ event: 'reservation.committed', order_id: orderId }, 'Reservation committed');
      return {
        result: toResult(row, 'committed'),
        timings: { queueMs: 0, waitMs: 0, holdMs: performance.now() - started },
      };
    });
  }

  /**
   * Commits many reservations in one statement (the order service's background worker batches its commits).
   * Commits move no stock, so no menu row is locked; each order id gets its own result.
   */
  async commitMany(orderIds: string[]): Promise<CommitOutcomeDto[]> {
    const rows = await COMMIT_MANY.run(this.dataSource, [orderIds]).catch((error: unknown) => {
      throw asInventoryBusy(error);
    });
    const results = rows.map(({ order_id, status, changed }): CommitOutcomeDto => {
      if (changed) return { order_id, result: 'committed' };
      switch (status) {
        case 'committed':
          return { order_id, result: 'already_committed' };
        case 'released':
        case 'cancelled':
          return { order_id, result: 'RESERVATION_RELEASED' };
        case null:
          return { order_id, result: 'RESERVATION_NOT_FOUND' };
        default:
          // Still active in this statement's snapshot but not updated: another request changed it meanwhile.
          return { order_id, result: 'INVENTORY_BUSY' };
      }
    });
    for (const { result } of results) countCommit(result);
    const committed = results.filter((entry) => entry.result === 'committed').length;
    if (committed) {
      this.logger.log(
        { event: 'reservation.committed', count: committed },
        `${committed} reservation(s) committed`,
      );
    }
    return results;
  }

  /** Gives the stock back from an active or committed reservation (order cancelled after confirmation). */
  cancel(orderId: string): Promise<Timed<ReservationResultDto>> {
    return this.transition('cancel', orderId, planCancel);
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
    plan: (orderId: string, status: ReservationStatus) => TransitionPlan,
  ): Promise<Timed<ReservationResultDto>> {
    return countReservation(operation, () => this.transitionOnce(operation, orderId, plan));
  }

  private async transitionOnce(
    operation: 'release' | 'commit' | 'cancel',
    orderId: string,
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
          `INSERT INTO restaurant.reservations (order_id, status, released_at)
           VALUES ($1, 'released', now()) ON CONFLICT (order_id) DO NOTHING RETURNING order_id`,
          [orderId],
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

function reserveParams(orderId: string, items: ReservationLine[], userId: number | null): unknown[] {
  return [orderId, items.map((item) => item.menu_id), items.map((item) => item.quantity), userId];
}

/**
 * What a reservation statement came to: the new reservation; or, when it wrote nothing, the reservation made
 * earlier for this order id (a replay, whatever the stock is now); or why it was refused.
 */
async function decide(
  orderId: string,
  items: ReservationLine[],
  { claimed, menus: lockedMenus }: ReserveRow,
  existing: () => Promise<ReservationRow[]>,
): Promise<ReserveDecision> {
  const menus = new Map(lockedMenus.map((menu) => [menu.id, menu]));
  if (claimed) {
    const reservation: ReservationRow = {
      ...claimed,
      created_at: new Date(claimed.created_at),
      updated_at: new Date(claimed.updated_at),
      committed_at: null,
      released_at: null,
      items: items.map((item) => ({
        menu_id: item.menu_id,
        name: menus.get(item.menu_id)!.name,
        quantity: item.quantity,
        unit_price: menus.get(item.menu_id)!.price,
      })),
    };
    return { reservation, outcome: 'reserved' };
  }
  const [earlier] = await existing();
  if (earlier) {
    checkReplay(orderId, earlier, items);
    return { reservation: earlier, outcome: 'replayed' };
  }
  throw refusal(items, menus);
}

/**
 * Why a reservation that wrote nothing (and is no replay) was refused: 404 naming the missing menus, or 409 naming
 * each short line.
 */
function refusal(items: ReservationLine[], menus: Map<number, LockedMenu>): ApiError {
  const missing = items.filter((item) => !menus.has(item.menu_id)).map((item) => item.menu_id);
  if (missing.length) return new ApiError(404, 'MENU_NOT_FOUND', `Menu ${missing.join(', ')} does not exist`);
  const shortages: Shortage[] = [];
  for (const item of items) {
    const menu = menus.get(item.menu_id)!;
    if (menu.stock < item.quantity) {
      shortages.push({ menu_id: menu.id, name: menu.name, requested: item.quantity, in_stock: menu.stock });
    }
  }
  if (shortages.length) return insufficientStock(shortages);
  // Every line was in stock when locked, yet nothing was claimed: the order id was taken meanwhile.
  return new ApiError(
    409,
    'RESERVATION_CONFLICT',
    'A concurrent request for this order id won; retry to see it',
  );
}
