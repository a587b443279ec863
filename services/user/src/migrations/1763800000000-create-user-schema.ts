import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUserSchema1763800000000 implements MigrationInterface {
  name = 'CreateUserSchema1763800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "user"`);
    await runner.query(`
      CREATE TABLE "user"."users" (
        "id" SERIAL PRIMARY KEY,
        "username" VARCHAR(32) NOT NULL,
        "password_hash" VARCHAR(255) NOT NULL,
        "name" VARCHAR(100),
        "email" VARCHAR(254),
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT "uq_users_username" UNIQUE ("username")
      )`);
    await runner.query(`
      CREATE TABLE "user"."signing_keys" (
        "kid" VARCHAR(64) PRIMARY KEY,
        "private_key_pem" TEXT NOT NULL,
        "public_key_pem" TEXT NOT NULL,
        "active" BOOLEAN NOT NULL DEFAULT true,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    // At most one active key, so replicas generating a dev key at the same time agree on one.
    await runner.query(
      `CREATE UNIQUE INDEX "uq_signing_keys_one_active" ON "user"."signing_keys" (("active")) WHERE "active"`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "user"."signing_keys"`);
    await runner.query(`DROP TABLE "user"."users"`);
  }
}
