import { expect } from 'expect';
import { describe, it } from 'node:test';
import { operationalPathTest } from './operational-path';

describe('operationalPathTest', () => {
  const all = operationalPathTest(['health', 'metrics', 'chaos', 'docs']);

  it('matches every operational route, with or without a query string', () => {
    for (const url of [
      '/health/live',
      '/health/ready?verbose=1',
      '/metrics',
      '/metrics?name[]=x',
      '/chaos',
      '/chaos?x=1',
      '/chaos/delay',
      '/docs',
      '/docs/swagger-ui.css',
      '/docs-json',
      '/docs-yaml',
      '/redoc',
    ]) {
      expect([url, all(url)]).toEqual([url, true]);
    }
  });

  it('matches on the whole first segment only', () => {
    for (const url of [
      '/',
      '/healthz',
      '/metricsx',
      '/chaos-monkey',
      '/redocs',
      '/api/chaos',
      '/menus/health',
    ]) {
      expect([url, all(url)]).toEqual([url, false]);
    }
  });

  it('matches only the kinds asked for', () => {
    const probesAndScrapes = operationalPathTest(['health', 'metrics']);
    expect(probesAndScrapes('/health/live')).toBe(true);
    expect(probesAndScrapes('/metrics')).toBe(true);
    expect(probesAndScrapes('/chaos/delay')).toBe(false);
    expect(probesAndScrapes('/docs')).toBe(false);
  });
});
