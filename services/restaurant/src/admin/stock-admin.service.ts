import { Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import { DataSource } from 'typeorm';
import { InventoryTransactions } from '../inventory/inventory-transactions.service';
import { MenuCache } from '../menus/menu-cache.service';
import type { ResetStockResultDto } from './dto/reset-stock.dto';

/**
 * Sets stock levels and records each change as a 'reset' adjustment, so the audit invariant still holds. Active
 * reservations are left alone: releasing one later adds its units on top of the new level.
 */
const RESET_STOCK = `
  WITH lines AS (
    SELECT * FROM unnest($1::int[], $2::int[]) AS l(menu_id, delta)
  ), changed AS (
    UPDATE restaurant.menus m SET stock = m.stock + l.delta, updated_at = now()
      FROM lines l WHERE m.id = l.menu_id AND l.delta <> 0
    RETURNING m.id
  )
  INSERT INTO restaurant.stock_adjustments (menu_id, delta, reason, actor)
  SELECT menu_id, delta, 'reset', $3 FROM lines WHERE delta <> 0`;

@Injectable()
export class StockAdminService {
  private readonly logger = new Logger(StockAdminService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: InventoryTransactions,
    private readonly cache: MenuCache,
  ) {}

  async resetStock(stock: number, menuIds?: number[], actor = 'admin'): Promise<ResetStockResultDto> {
    const ids =
      menuIds ??
      (await this.dataSource.query<{ id: number }[]>('SELECT id FROM restaurant.menus')).map((row) => row.id);
    const { result } = await this.transactions.run('reset', async (tx) => {
      // No injected delay here: resets are an operator tool, not part of the experiment.
      const menus = await tx.lockMenus(ids, { chaos: false });
      const missing = ids.filter((id) => !menus.has(id));
      if (missing.length)
        throw new ApiError(404, 'MENU_NOT_FOUND', `Menu ${missing.join(', ')} does not exist`);
      const locked = [...menus.values()];
      await tx.query(RESET_STOCK, [
        locked.map((menu) => menu.id),
        locked.map((menu) => stock - menu.stock),
        actor,
      ]);
      return locked.map((menu) => ({ menu_id: menu.id, name: menu.name, previous_stock: menu.stock, stock }));
    });
    await this.cache.invalidateMenus(ids);
    this.logger.log(
      { event: 'inventory.reset', stock, menus: ids.length },
      `Stock of ${ids.length} menus set to ${stock}`,
    );
    return { stock, menus: result };
  }
}
