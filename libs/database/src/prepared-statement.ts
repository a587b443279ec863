import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * A fixed hot-path statement run as a named prepared statement on the DataSource's own pool: Postgres parses and
 * plans it once per connection instead of on every call (for the order path's CTEs planning cost as much as
 * executing), and TypeORM's per-call query runner is skipped. One statement is its own transaction. `text` is a
 * constant; values always go in as parameters.
 */
export class PreparedStatement<Row> {
  /** Derived from the text, so a changed statement never collides with one prepared under the old text. */
  readonly name: string;

  constructor(readonly text: string) {
    this.name = `fd_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  }

  async run(dataSource: DataSource, params: unknown[]): Promise<Row[]> {
    const pool = (dataSource.driver as PostgresDriver).master as Pool | undefined;
    if (!pool) throw new Error('PreparedStatement needs an initialised Postgres DataSource');
    const result = await pool.query({ name: this.name, text: this.text, values: params });
    return result.rows as Row[];
  }
}
