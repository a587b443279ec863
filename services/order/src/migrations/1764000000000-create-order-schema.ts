import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `order` is a reserved word in SQL: the schema name is always quoted. */
export class CreateOrderSchema1764000000000 implements MigrationInterface {
  name = 'CreateOrderSchema1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "order"`);
    await runner.query(`
      CREATE TABLE "order"."orders" (
        "id" SERIAL PRIMARY KEY,
        "user_id" INTEGER NOT NULL,
        "status" VARCHAR(16) NOT NULL DEFAULT 'PENDING'
          CONSTRAINT "ck_orders_status" CHECK ("status" IN ('PENDING', 'CONFIRMED', 'FAILED', 'CANCELLED')),
        "failure_reason" VARCHAR(32),
        "total" BIGINT,
        "address" VARCHAR(200) NOT NULL,
        "phone" VARCHAR(32) NOT NULL,
        "idempotency_key" VARCHAR(100),
        "request_hash" CHAR(64),
        "version" INTEGER NOT NULL DEFAULT 1,
        "recovery_claimed_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        -- NULL keys are distinct, so orders without a key never collide.
        CONSTRAINT "uq_orders_user_idempotency_key" UNIQUE ("user_id", "idempotency_key")
      )`);
    await runner.query(
      `CREATE INDEX "ix_orders_user_created" ON "order"."orders" ("user_id", "created_at" DESC, "id" DESC)`,
    );
    // The recovery loop scans only the (few) PENDING orders.
    await runner.query(
      `CREATE INDEX "ix_orders_pending" ON "order"."orders" ("created_at") WHERE "status" = 'PENDING'`,
    );
    await runner.query(`
      CREATE TABLE "order"."order_items" (
        "order_id" INTEGER NOT NULL REFERENCES "order"."orders" ("id") ON DELETE CASCADE,
        "menu_id" INTEGER NOT NULL,
        "quantity" INTEGER NOT NULL CONSTRAINT "ck_order_items_quantity" CHECK ("quantity" > 0),
        "name" VARCHAR(200),
        "unit_price" INTEGER,
        PRIMARY KEY ("order_id", "menu_id")
      )`);
    // For the audit's per-menu sums of confirmed quantities.
    await runner.query(`CREATE INDEX "ix_order_items_menu" ON "order"."order_items" ("menu_id")`);
    await runner.query(`
      CREATE TABLE "order"."saga_tasks" (
        "id" BIGSERIAL PRIMARY KEY,
        "order_id" INTEGER NOT NULL REFERENCES "order"."orders" ("id") ON DELETE CASCADE,
        "action" VARCHAR(16) NOT NULL
          CONSTRAINT "ck_saga_tasks_action" CHECK ("action" IN ('release', 'commit', 'cancel')),
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "last_error" VARCHAR(500),
        "dead_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT "uq_saga_tasks_order_action" UNIQUE ("order_id", "action")
      )`);
    await runner.query(
      `CREATE INDEX "ix_saga_tasks_due" ON "order"."saga_tasks" ("next_attempt_at") WHERE "dead_at" IS NULL`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "order"."saga_tasks"`);
    await runner.query(`DROP TABLE "order"."order_items"`);
    await runner.query(`DROP TABLE "order"."orders"`);
  }
}
