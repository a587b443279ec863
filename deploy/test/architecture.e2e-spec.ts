// architecture.svg is generated from docs/architecture.dot (scripts/render-architecture.mjs, `npm run architecture`,
// Graphviz compiled to WebAssembly):
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

  it('architecture.svg is up to date with docs/architecture.dot (run `npm run architecture`)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-architecture-'));
    try {
      const output = join(dir, 'architecture.svg');
      const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'render-architecture.mjs'), output], {
        encoding: 'utf8',
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(readFileSync(output, 'utf8')).toBe(readFileSync(join(ROOT, 'architecture.svg'), 'utf8'));
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
