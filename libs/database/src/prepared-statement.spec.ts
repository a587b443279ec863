import { createTestDatabase, type TestDatabase } from '@food-delivery/testing';
import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { PreparedStatement } from './prepared-statement';

/** Real Postgres: named statements are prepared once per pooled connection and reused. */
describe('PreparedStatement', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const insert = new PreparedStatement<{ id: number; label: string }>(
    'INSERT INTO prepared_probe (label) VALUES ($1) RETURNING id, label',
  );

  before(async () => {
    database = await createTestDatabase('prepared');
    dataSource = new DataSource({ type: 'postgres', url: database.url, poolSize: 2 });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE prepared_probe (id serial PRIMARY KEY, label text UNIQUE NOT NULL)');
  });

  after(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('runs with parameters and returns the rows, many times on the same connections', async () => {
    const rows = await Promise.all(
      Array.from({ length: 20 }, (_, i) => insert.run(dataSource, [`label-${i}`])),
    );
    expect(rows.map(([row]) => row.label).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `label-${i}`).sort(),
    );
  });

  it('is prepared once per connection and reused', async () => {
    const single = new DataSource({ type: 'postgres', url: database.url, poolSize: 1 });
    await single.initialize();
    try {
      const count = new PreparedStatement<{ n: number }>('SELECT count(*)::int AS n FROM prepared_probe');
      const prepared = () =>
        single.query<{ name: string }[]>('SELECT name FROM pg_prepared_statements WHERE name = $1', [
          count.name,
        ]);
      expect(await prepared()).toEqual([]);
      const [first] = await count.run(single, []);
      expect(first.n).toBeGreaterThan(0);
      // The only connection now holds it under its name; running it again reuses it.
      expect(await prepared()).toEqual([{ name: count.name }]);
      expect((await count.run(single, []))[0].n).toBe(first.n);
      expect(await prepared()).toHaveLength(1);
    } finally {
      await single.destroy();
    }
  });

  it('plans on every call when asked: a table that grew from empty is then read through its index', async () => {
    // One connection, so both statements live (and are measured) on the backend that runs them.
    const single = new DataSource({ type: 'postgres', url: database.url, poolSize: 1 });
    await single.initialize();
    try {
      await single.query(
        'CREATE TABLE ledger_probe (key varchar(64) PRIMARY KEY, status varchar(16) NOT NULL)',
      );
      // The shape of the reservation ledger's batch commit: update by keys, answer each key's row.
      const text = `
        WITH u AS (
          UPDATE ledger_probe SET status = 'done' WHERE key = ANY($1::varchar[]) AND status = 'open' RETURNING key
        )
        SELECT k.key, r.status FROM unnest($1::varchar[]) WITH ORDINALITY AS k(key, position)
          LEFT JOIN u ON u.key = k.key LEFT JOIN ledger_probe r ON r.key = k.key
         ORDER BY k.position`;
      type Row = { key: string; status: string | null };
      const cached = new PreparedStatement<Row>(text);
      const planned = new PreparedStatement<Row>(text, { planEveryCall: true });
      expect(planned.name).toBeUndefined();
      const keys = Array.from({ length: 20 }, (_, i) => `key-${i * 997}`);
      // While the table is empty: after five calls Postgres settles the named statement on a generic plan.
      for (let call = 0; call < 8; call += 1) {
        expect(await cached.run(single, [keys])).toHaveLength(20);
        expect(await planned.run(single, [keys])).toHaveLength(20);
      }
      await single.query(
        "INSERT INTO ledger_probe SELECT 'key-' || g, 'open' FROM generate_series(0, 29999) g",
      );
      // No ANALYZE, as on a server without autovacuum. Stats reach the shared view when the backend goes idle.
      const reads = async () => {
        await single.query('SELECT pg_stat_force_next_flush()');
        const [row] = await single.query<{ seq: number; idx: number }[]>(
          "SELECT seq_tup_read::int AS seq, idx_scan::int AS idx FROM pg_stat_user_tables WHERE relname = 'ledger_probe'",
        );
        return row;
      };
      const start = await reads();
      expect(await cached.run(single, [keys.slice(0, 10)])).toHaveLength(10);
      const afterCached = await reads();
      expect(await planned.run(single, [keys.slice(10)])).toHaveLength(10);
      const afterPlanned = await reads();
      // The plan cached while the table was empty reads every row; the one planned now uses the primary key.
      expect(afterCached.seq - start.seq).toBeGreaterThanOrEqual(30_000);
      expect(afterPlanned.seq - afterCached.seq).toBe(0);
      expect(afterPlanned.idx - afterCached.idx).toBeGreaterThanOrEqual(1);
    } finally {
      await single.destroy();
    }
  });

  it('names statements by their text', () => {
    const same = new PreparedStatement('INSERT INTO prepared_probe (label) VALUES ($1) RETURNING id, label');
    const other = new PreparedStatement('SELECT 1');
    expect(same.name).toBe(insert.name);
    expect(other.name).not.toBe(insert.name);
    expect(insert.name).toMatch(/^fd_[0-9a-f]{20}$/);
  });

  it('surfaces Postgres errors with their SQLSTATE', async () => {
    await insert.run(dataSource, ['unique-1']);
    await expect(insert.run(dataSource, ['unique-1'])).rejects.toMatchObject({ code: '23505' });
  });
});
