import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

export interface PreparedStatementOptions {
  /**
   * Plan on every call instead of once per connection (an unnamed statement). For a statement whose best plan
   * depends on the size of a table that grows from empty (a ledger read by a list of keys): Postgres switches a
   * named statement to a generic plan after five calls and keeps it until the table's statistics change, so a
   * plan made while the table was empty (a sequential scan) would read the whole table on every call for as long
   * as the connection lives — forever where autovacuum is off. Planning costs a fraction of a millisecond.
   */
  planEveryCall?: boolean;
}

/**
 * A fixed hot-path statement run on the DataSource's own pool (TypeORM's per-call query runner is skipped), by
 * default as a named prepared statement: Postgres parses and plans it once per connection instead of on every
 * call (for the order path's CTEs planning cost as much as executing). One statement is its own transaction.
 * `text` is a constant; values always go in as parameters.
 */
export class PreparedStatement<Row> {
  /**
   * Derived from the text, so a changed statement never collides with one prepared under the old text; undefined
   * when the statement is planned on every call.
   */
  readonly name: string | undefined;

  constructor(
    readonly text: string,
    options: PreparedStatementOptions = {},
  ) {
    this.name = options.planEveryCall
      ? undefined
      : `fd_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  }

  async run(dataSource: DataSource, params: unknown[]): Promise<Row[]> {
    const pool = (dataSource.driver as PostgresDriver).master as Pool | undefined;
    if (!pool) throw new Error('PreparedStatement needs an initialised Postgres DataSource');
    const result = await pool.query(
      this.name === undefined
        ? { text: this.text, values: params }
        : { name: this.name, text: this.text, values: params },
    );
    return result.rows as Row[];
  }
}
