import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Operators are users with the operator role (faults, admin, direct stock moves). */
export class AddUserRole1765000000000 implements MigrationInterface {
  name = 'AddUserRole1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE "user"."users"
        ADD COLUMN "role" VARCHAR(16) NOT NULL DEFAULT 'user',
        ADD CONSTRAINT "ck_users_role" CHECK ("role" IN ('user', 'operator'))`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "user"."users" DROP CONSTRAINT "ck_users_role", DROP COLUMN "role"`);
  }
}
