import { ApiError } from '@food-delivery/http';

/** Upper bound of a menu's stock; keeps every sum far from the int4 column limit. */
export const MAX_STOCK = 1_000_000_000;

export interface Shortage {
  menu_id: number;
  name: string;
  requested: number;
  in_stock: number;
}

/** 409 naming every item that is short, e.g. `menu 3 "Bulgogi Set": requested 5, in stock 2`. */
export function insufficientStock(shortages: Shortage[]): ApiError {
  const lines = shortages.map(
    (s) => `menu ${s.menu_id} "${s.name}": requested ${s.requested}, in stock ${s.in_stock}`,
  );
  return new ApiError(409, 'INSUFFICIENT_STOCK', `Not enough stock for ${lines.join('; ')}`, {
    details: lines,
  });
}

export function stockLimitExceeded(menuId: number, stock: number, quantity: number): ApiError {
  return new ApiError(
    409,
    'STOCK_LIMIT_EXCEEDED',
    `Restoring ${quantity} to menu ${menuId} (stock ${stock}) would exceed the limit of ${MAX_STOCK}`,
  );
}
