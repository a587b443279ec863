import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One account per email address (case-insensitive), as the original service had it; accounts without one are many. */
export class UniqueUserEmail1765100000000 implements MigrationInterface {
  name = 'UniqueUserEmail1765100000000';

  async up(runner: QueryRunner): Promise<void> {
    const duplicates = (await runner.query(
      `SELECT lower(email) AS email FROM "user".users WHERE email IS NOT NULL
        GROUP BY lower(email) HAVING count(*) > 1 LIMIT 5`,
    )) as { email: string }[];
    if (duplicates.length > 0) {
      throw new Error(
        `Cannot make emails unique: several accounts share ${duplicates.map((row) => row.email).join(', ')}. ` +
          'Change or clear those emails (UPDATE "user".users SET email = NULL WHERE …), then start again.',
      );
    }
    await runner.query(
      `CREATE UNIQUE INDEX "uq_users_email" ON "user"."users" (lower("email")) WHERE "email" IS NOT NULL`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX "user"."uq_users_email"`);
  }
}
