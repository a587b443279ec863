import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { gauge } from '@food-delivery/observability';
import { DataSource } from 'typeorm';

interface StockRow {
  id: number;
  name: string;
  stock: number;
}

/** Data sources of the restaurant apps in this process (one in production, several in tests). */
const sources = new Set<DataSource>();
/** Last successful reading per data source: a scrape during a database hiccup repeats it instead of a gap. */
const lastRows = new WeakMap<DataSource, StockRow[]>();

const READ_TIMEOUT_MS = 1000;

async function readStock(dataSource: DataSource): Promise<StockRow[]> {
  if (!dataSource.isInitialized) return lastRows.get(dataSource) ?? [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const rows = await Promise.race([
      dataSource.query<StockRow[]>('SELECT id, name, stock FROM restaurant.menus ORDER BY id'),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('stock read timed out')), READ_TIMEOUT_MS);
      }),
    ]);
    lastRows.set(dataSource, rows);
    return rows;
  } catch {
    return lastRows.get(dataSource) ?? [];
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `menu_stock{menu_id, menu}`: units in stock per menu, read from Postgres when Prometheus scrapes (one small
 * query per scrape, none per request), so the order saga dashboard shows stock draining under load.
 */
@Injectable()
export class StockMetrics implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    gauge({
      name: 'menu_stock',
      help: 'Units in stock per menu (read from Postgres at scrape time)',
      labelNames: ['menu_id', 'menu'] as const,
      async collect() {
        const readings = await Promise.all([...sources].map(readStock));
        this.reset();
        for (const rows of readings) {
          for (const row of rows) this.set({ menu_id: String(row.id), menu: row.name }, Number(row.stock));
        }
      },
    });
    sources.add(this.dataSource);
  }

  onModuleDestroy(): void {
    sources.delete(this.dataSource);
  }
}
