import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Order items get their own id, as the original service's items had (`{id, menu_id, ...}`). The key stays
 * (order_id, menu_id); SERIAL numbers the existing rows as it adds the column.
 */
export class OrderItemId1766000000000 implements MigrationInterface {
  name = 'OrderItemId1766000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "order"."order_items" ADD COLUMN IF NOT EXISTS "id" SERIAL`);
    await runner.query(`ALTER TABLE "order"."order_items" ADD CONSTRAINT "uq_order_items_id" UNIQUE ("id")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "order"."order_items" DROP COLUMN "id"`);
  }
}
