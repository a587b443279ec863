import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../common/sql';
import { CATALOGUE, type CatalogueRestaurant } from './catalogue';

/**
 * Inserts the demo catalogue with fixed ids, skipping rows that exist, and records the seeded stock of each new
 * menu as a 'seed' adjustment in the same transaction. Replicas starting together agree: the second one waits
 * on the first one's unique keys and then inserts nothing.
 */
@Injectable()
export class CatalogueService {
  private readonly logger = new Logger(CatalogueService.name);

  constructor(private readonly dataSource: DataSource) {}

  async seed(catalogue: CatalogueRestaurant[] = CATALOGUE): Promise<number> {
    const menus = catalogue.flatMap((r) => r.menus.map((m) => ({ ...m, restaurantId: r.id })));
    const inserted = await this.dataSource.transaction(async (manager) => {
      await queryRows(
        manager,
        `INSERT INTO restaurant.restaurants (id, name, cuisine, address, phone)
         SELECT * FROM unnest($1::int[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[])
         ON CONFLICT DO NOTHING`,
        [
          catalogue.map((r) => r.id),
          catalogue.map((r) => r.name),
          catalogue.map((r) => r.cuisine),
          catalogue.map((r) => r.address),
          catalogue.map((r) => r.phone),
        ],
      );
      const rows = await queryRows<{ menu_id: number }>(
        manager,
        `WITH added AS (
           INSERT INTO restaurant.menus (id, restaurant_id, name, description, price, stock)
           SELECT * FROM unnest($1::int[], $2::int[], $3::varchar[], $4::varchar[], $5::int[], $6::int[])
           ON CONFLICT DO NOTHING
           RETURNING id, stock
         )
         INSERT INTO restaurant.stock_adjustments (menu_id, delta, reason, actor)
         SELECT id, stock, 'seed', 'seed' FROM added
         RETURNING menu_id`,
        [
          menus.map((m) => m.id),
          menus.map((m) => m.restaurantId),
          menus.map((m) => m.name),
          menus.map((m) => m.description),
          menus.map((m) => m.price),
          menus.map((m) => m.stock),
        ],
      );
      // Explicit ids leave the sequences behind; move them past the seeded rows.
      await queryRows(
        manager,
        `SELECT setval(pg_get_serial_sequence('restaurant.restaurants', 'id'),
                       GREATEST((SELECT MAX(id) FROM restaurant.restaurants), 1)),
                setval(pg_get_serial_sequence('restaurant.menus', 'id'),
                       GREATEST((SELECT MAX(id) FROM restaurant.menus), 1))`,
      );
      return rows.length;
    });
    if (inserted) this.logger.log(`Seeded ${inserted} menus of the demo catalogue`);
    return inserted;
  }
}
