import { expect } from 'expect';
import { describe, it } from 'node:test';
import { toMenuAudit } from './audit.service';

const row = (overrides: Partial<Parameters<typeof toMenuAudit>[0]> = {}) => ({
  menu_id: 1,
  name: 'Bibimbap',
  stock: 90,
  seed: '100',
  reset: '0',
  decrease: '0',
  restore: '0',
  reserved_active: '4',
  reserved_committed: '6',
  ...overrides,
});

describe('toMenuAudit', () => {
  it('holds when every unit is in stock, held or consumed', () => {
    expect(toMenuAudit(row())).toEqual({
      menu_id: 1,
      name: 'Bibimbap',
      initial_stock: 100,
      stock: 90,
      reserved_active: 4,
      reserved_committed: 6,
      drift: 0,
      ok: true,
      adjustments: { seed: 100, reset: 0, decrease: 0, restore: 0 },
    });
  });

  it('counts resets and direct updates into the initial stock', () => {
    // Seeded 100, reset to 1000 (+900), 7 sold directly, 2 put back: 995 = 985 + 4 + 6.
    const audit = toMenuAudit(row({ reset: '900', decrease: '-7', restore: '2', stock: 985 }));
    expect([audit.initial_stock, audit.ok]).toEqual([995, true]);
  });

  it('reports the drift of units that were lost or created', () => {
    expect(toMenuAudit(row({ stock: 89 }))).toMatchObject({ ok: false, drift: 1 });
    expect(toMenuAudit(row({ stock: 92 }))).toMatchObject({ ok: false, drift: -2 });
  });

  it('converts bigint sums that arrive as text', () => {
    expect(
      toMenuAudit(
        row({ seed: '5000000000', stock: 0, reserved_active: '0', reserved_committed: '5000000000' }),
      ),
    ).toMatchObject({ initial_stock: 5_000_000_000, ok: true });
  });
});
