import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRestaurantSchema1763900000000 implements MigrationInterface {
  name = 'CreateRestaurantSchema1763900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "restaurant"`);
    await runner.query(`
      CREATE TABLE "restaurant"."restaurants" (
        "id" SERIAL PRIMARY KEY,
        "name" VARCHAR(100) NOT NULL,
        "cuisine" VARCHAR(50) NOT NULL,
        "address" VARCHAR(200) NOT NULL,
        "phone" VARCHAR(20),
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT "uq_restaurants_name" UNIQUE ("name")
      )`);
    // Prices are whole KRW won. `available` is derived from stock so the two can never disagree.
    await runner.query(`
      CREATE TABLE "restaurant"."menus" (
        "id" SERIAL PRIMARY KEY,
        "restaurant_id" INTEGER NOT NULL REFERENCES "restaurant"."restaurants" ("id"),
        "name" VARCHAR(100) NOT NULL,
        "description" VARCHAR(500) NOT NULL DEFAULT '',
        "price" INTEGER NOT NULL CONSTRAINT "ck_menus_price" CHECK ("price" >= 0),
        "stock" INTEGER NOT NULL CONSTRAINT "ck_menus_stock" CHECK ("stock" >= 0),
        "available" BOOLEAN GENERATED ALWAYS AS ("stock" > 0) STORED,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT "uq_menus_restaurant_name" UNIQUE ("restaurant_id", "name")
      )`);
    // Every stock change that is not a reservation (seed, admin reset, direct PUT /inventory) is recorded
    // here, so that sum(delta) = stock + reserved (active + committed) holds for every menu at all times.
    await runner.query(`
      CREATE TABLE "restaurant"."stock_adjustments" (
        "id" BIGSERIAL PRIMARY KEY,
        "menu_id" INTEGER NOT NULL REFERENCES "restaurant"."menus" ("id"),
        "delta" INTEGER NOT NULL,
        "reason" VARCHAR(16) NOT NULL
          CONSTRAINT "ck_stock_adjustments_reason" CHECK ("reason" IN ('seed', 'reset', 'decrease', 'restore')),
        "actor" VARCHAR(64),
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await runner.query(
      `CREATE INDEX "ix_stock_adjustments_menu" ON "restaurant"."stock_adjustments" ("menu_id")`,
    );
    // The reservation ledger, keyed by the caller's order id: retries find the row instead of moving stock.
    await runner.query(`
      CREATE TABLE "restaurant"."reservations" (
        "order_id" VARCHAR(64) PRIMARY KEY,
        "status" VARCHAR(16) NOT NULL
          CONSTRAINT "ck_reservations_status" CHECK ("status" IN ('active', 'committed', 'released', 'cancelled')),
        "user_id" INTEGER,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "committed_at" TIMESTAMPTZ,
        "released_at" TIMESTAMPTZ
      )`);
    await runner.query(`
      CREATE TABLE "restaurant"."reservation_items" (
        "order_id" VARCHAR(64) NOT NULL REFERENCES "restaurant"."reservations" ("order_id"),
        "menu_id" INTEGER NOT NULL REFERENCES "restaurant"."menus" ("id"),
        "quantity" INTEGER NOT NULL CONSTRAINT "ck_reservation_items_quantity" CHECK ("quantity" > 0),
        "unit_price" INTEGER NOT NULL CONSTRAINT "ck_reservation_items_price" CHECK ("unit_price" >= 0),
        PRIMARY KEY ("order_id", "menu_id")
      )`);
    await runner.query(
      `CREATE INDEX "ix_reservation_items_menu" ON "restaurant"."reservation_items" ("menu_id")`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "restaurant"."reservation_items"`);
    await runner.query(`DROP TABLE "restaurant"."reservations"`);
    await runner.query(`DROP TABLE "restaurant"."stock_adjustments"`);
    await runner.query(`DROP TABLE "restaurant"."menus"`);
    await runner.query(`DROP TABLE "restaurant"."restaurants"`);
  }
}
