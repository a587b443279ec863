// architecture.png is generated from docs/architecture.dot (scripts/render-architecture.sh, `npm run architecture`):
// the committed picture must be what the script makes of the committed source, and the source must name what
// the system really runs.
import { expect } from 'expect';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, SERVICES, defaultPort } from './support';

describe('architecture picture', () => {
  const source = readFileSync(join(ROOT, 'docs', 'architecture.dot'), 'utf8');

  it('architecture.png is up to date with docs/architecture.dot (run `npm run architecture`)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-architecture-'));
    try {
      const output = join(dir, 'architecture.png');
      const result = spawnSync('bash', [join(ROOT, 'scripts', 'render-architecture.sh'), output], {
        encoding: 'utf8',
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(readFileSync(output).equals(readFileSync(join(ROOT, 'architecture.png')))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows every service on its port with its schema, Redis, the gateway and the telemetry stack', () => {
    for (const service of SERVICES) {
      expect(source).toContain(`${service}-service  :${defaultPort(service)}`);
      const database = readFileSync(join(ROOT, 'services', service, 'src', 'database.ts'), 'utf8');
      const schema = /schema: '([^']+)'/.exec(database)?.[1];
      expect(source).toContain(`schema \\"${schema}\\"`);
    }
    for (const label of [
      'NGINX gateway  :80',
      'Redis',
      'Grafana  :3000',
      'Prometheus  :9090',
      'Tempo  :3200',
      'Loki',
    ]) {
      expect(source).toContain(label);
    }
  });
});
