import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditDto, MenuAuditDto, ReservationCountsDto } from './dto/audit.dto';

interface AuditRow {
  menu_id: number;
  name: string;
  stock: number;
  seed: string;
  reset: string;
  decrease: string;
  restore: string;
  reserved_active: string;
  reserved_committed: string;
}

/**
 * Checks `initial_stock = stock + active reservations + committed reservations` for every menu, where
 * initial_stock is the sum of the non-reservation movements (seed, resets, direct updates). One statement, so
 * it reads one consistent snapshot while orders keep flowing.
 */
const AUDIT_SQL = `
  WITH adjustments AS (
    SELECT menu_id,
           SUM(delta) FILTER (WHERE reason = 'seed') AS seed,
           SUM(delta) FILTER (WHERE reason = 'reset') AS reset,
           SUM(delta) FILTER (WHERE reason = 'decrease') AS decrease,
           SUM(delta) FILTER (WHERE reason = 'restore') AS restore
      FROM restaurant.stock_adjustments
     GROUP BY menu_id
  ), reserved AS (
    SELECT item.menu_id,
           SUM(item.quantity) FILTER (WHERE r.status = 'active') AS active,
           SUM(item.quantity) FILTER (WHERE r.status = 'committed') AS committed
      FROM restaurant.reservation_items item
      JOIN restaurant.reservations r ON r.order_id = item.order_id
     GROUP BY item.menu_id
  ), counts AS (
    SELECT json_object_agg(status, n) AS by_status
      FROM (SELECT status, count(*) AS n FROM restaurant.reservations GROUP BY status) s
  )
  SELECT m.id AS menu_id, m.name, m.stock,
         COALESCE(a.seed, 0)::text AS seed,
         COALESCE(a.reset, 0)::text AS reset,
         COALESCE(a.decrease, 0)::text AS decrease,
         COALESCE(a.restore, 0)::text AS restore,
         COALESCE(r.active, 0)::text AS reserved_active,
         COALESCE(r.committed, 0)::text AS reserved_committed,
         (SELECT by_status FROM counts) AS by_status
    FROM restaurant.menus m
    LEFT JOIN adjustments a ON a.menu_id = m.id
    LEFT JOIN reserved r ON r.menu_id = m.id
   ORDER BY m.id`;

@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async audit(): Promise<AuditDto> {
    const rows: (AuditRow & { by_status: Record<string, number> | null })[] =
      await this.dataSource.query(AUDIT_SQL);
    const menus = rows.map((row) => toMenuAudit(row));
    const byStatus = rows[0]?.by_status ?? {};
    const reservations: ReservationCountsDto = {
      active: Number(byStatus.active ?? 0),
      committed: Number(byStatus.committed ?? 0),
      released: Number(byStatus.released ?? 0),
      cancelled: Number(byStatus.cancelled ?? 0),
    };
    const violations = menus.filter((menu) => !menu.ok);
    return {
      ok: violations.length === 0,
      checked_at: new Date().toISOString(),
      violations,
      reservations,
      menus,
    };
  }
}

/** Sums arrive as text (bigint) and are converted here; they stay far below 2^53. */
export function toMenuAudit(row: AuditRow): MenuAuditDto {
  const adjustments = {
    seed: Number(row.seed),
    reset: Number(row.reset),
    decrease: Number(row.decrease),
    restore: Number(row.restore),
  };
  const initial = adjustments.seed + adjustments.reset + adjustments.decrease + adjustments.restore;
  const active = Number(row.reserved_active);
  const committed = Number(row.reserved_committed);
  const drift = initial - (row.stock + active + committed);
  return {
    menu_id: row.menu_id,
    name: row.name,
    initial_stock: initial,
    stock: row.stock,
    reserved_active: active,
    reserved_committed: committed,
    drift,
    ok: drift === 0,
    adjustments,
  };
}
