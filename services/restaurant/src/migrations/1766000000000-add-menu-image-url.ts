import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The original service's menus carry an optional picture URL; ours had none. Existing menus get NULL. */
export class AddMenuImageUrl1766000000000 implements MigrationInterface {
  name = 'AddMenuImageUrl1766000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "restaurant"."menus" ADD COLUMN IF NOT EXISTS "image_url" VARCHAR(500)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "restaurant"."menus" DROP COLUMN "image_url"`);
  }
}
