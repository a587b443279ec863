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
