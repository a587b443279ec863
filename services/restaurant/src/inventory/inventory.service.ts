import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@food-delivery/auth';
import { MenuCache } from '../menus/menu-cache.service';
import { menuNotFound } from '../menus/menus.service';
import type { StockChangeDto } from './dto/quantity.dto';
import { InventoryTransactions, type LockTimings } from './inventory-transactions.service';
import { insufficientStock, MAX_STOCK, stockLimitExceeded } from './stock-errors';

export interface Timed<T> {
  result: T;
  timings: LockTimings;
}

/**
 * Applies a signed stock change to one menu and records it in the adjustments ledger, in one statement; the
 * caller holds the row lock. `available` follows from the generated column.
 */
const APPLY_ADJUSTMENT = `
  WITH updated AS (
    UPDATE restaurant.menus SET stock = stock + $2::int, updated_at = now()
     WHERE id = $1::int
    RETURNING id, name, stock, available
  ), logged AS (
    INSERT INTO restaurant.stock_adjustments (menu_id, delta, reason, actor)
    SELECT id, $2::int, $3::varchar, $4::varchar FROM updated
  )
  SELECT id, name, stock, available FROM updated`;

/** Direct stock updates (the spec's PUT /inventory endpoints), each under a pessimistic row lock. */
@Injectable()
export class InventoryService {
  constructor(
    private readonly transactions: InventoryTransactions,
    private readonly cache: MenuCache,
  ) {}

  /** Removes `quantity` units; 409 INSUFFICIENT_STOCK (and no change) when fewer are in stock. */
  decrease(menuId: number, quantity: number, user: AuthUser): Promise<Timed<StockChangeDto>> {
    return this.adjust('decrease', menuId, quantity, user, (stock, name) => {
      if (stock < quantity) {
        throw insufficientStock([{ menu_id: menuId, name, requested: quantity, in_stock: stock }]);
      }
      return -quantity;
    });
  }

  /** Adds `quantity` units back (kept for spec compatibility; orders use reservations instead). */
  restore(menuId: number, quantity: number, user: AuthUser): Promise<Timed<StockChangeDto>> {
    return this.adjust('restore', menuId, quantity, user, (stock) => {
      if (stock + quantity > MAX_STOCK) throw stockLimitExceeded(menuId, stock, quantity);
      return quantity;
    });
  }

  private async adjust(
    reason: 'decrease' | 'restore',
    menuId: number,
    quantity: number,
    user: AuthUser,
    deltaFor: (stock: number, name: string) => number,
  ): Promise<Timed<StockChangeDto>> {
    const timed = await this.transactions.run(reason, async (tx) => {
      const menu = (await tx.lockMenus([menuId])).get(menuId);
      if (!menu) throw menuNotFound(menuId);
      const delta = deltaFor(menu.stock, menu.name);
      const [updated] = await tx.query<{ id: number; name: string; stock: number; available: boolean }>(
        APPLY_ADJUSTMENT,
        [menuId, delta, reason, `${user.kind}:${user.service ?? user.id}`],
      );
      return {
        menu_id: updated.id,
        name: updated.name,
        quantity,
        previous_inventory: menu.stock,
        remaining_inventory: updated.stock,
        is_available: updated.available,
      };
    });
    // After the commit, so no reader can cache the old stock again (see MenuCache).
    await this.cache.invalidateMenus([menuId]);
    return timed;
  }
}
