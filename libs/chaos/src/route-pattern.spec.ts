import { expect } from 'expect';
import { describe, it } from 'node:test';
import { isChaosExempt } from './chaos-http.hook';
import { pathSegments, RouteMatcher, RoutePattern, routePatternProblem } from './route-pattern';

const matches = (pattern: string, path: string) => RoutePattern.compile(pattern).matches(path);

describe('route patterns', () => {
  it('matches literal paths exactly, ignoring a trailing slash', () => {
    expect(matches('/validate', '/validate')).toBe(true);
    expect(matches('/validate', '/validate/')).toBe(true);
    expect(matches('/validate/', '/validate')).toBe(true);
    expect(matches('/validate', '/validated')).toBe(false);
    expect(matches('/validate', '/validate/1')).toBe(false);
    expect(matches('/validate', '/VALIDATE')).toBe(false);
    expect(matches('/', '/')).toBe(true);
    expect(matches('/', '/users')).toBe(false);
  });

  it('"*" matches within exactly one segment', () => {
    expect(matches('/users/*', '/users/42')).toBe(true);
    expect(matches('/users/*', '/users/42/orders')).toBe(false);
    expect(matches('/users/*', '/users')).toBe(false);
    expect(matches('/users/*/orders', '/users/7/orders')).toBe(true);
    expect(matches('/v1/*-items', '/v1/menu-items')).toBe(true);
    expect(matches('/v1/*-items', '/v1/menu-things')).toBe(false);
    expect(matches('/a*b*c', '/aXXbYYc')).toBe(true);
    expect(matches('/a*b*c', '/aXXbYY')).toBe(false);
  });

  it('"**" matches any number of segments, including none', () => {
    expect(matches('/**', '/')).toBe(true);
    expect(matches('/**', '/users/1/orders')).toBe(true);
    expect(matches('/users/**', '/users')).toBe(true);
    expect(matches('/users/**', '/users/1/orders/2')).toBe(true);
    expect(matches('/users/**', '/usersx')).toBe(false);
    expect(matches('/**/orders', '/users/1/orders')).toBe(true);
    expect(matches('/**/orders', '/orders')).toBe(true);
    expect(matches('/**/orders', '/orders/1')).toBe(false);
  });

  it('stays fast on hostile input (no regex backtracking)', () => {
    const pattern = RoutePattern.compile(`/${'*a'.repeat(40)}/**/**/**/**/x`);
    const path = `/${'a'.repeat(4000)}/${'b/'.repeat(500)}y`;
    const started = performance.now();
    expect(pattern.matches(path)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('a matcher accepts either the raw path or the route template', () => {
    const matcher = new RouteMatcher(['/users/:id']);
    expect(matcher.matches('/users/42', '/users/:id')).toBe(true);
    expect(matcher.matches('/users/42')).toBe(false);
    expect(new RouteMatcher(['/validate', '/users/*']).matches('/users/1')).toBe(true);
  });

  it('rejects patterns that are not paths', () => {
    expect(routePatternProblem('/users/*')).toBeNull();
    expect(routePatternProblem('/users/:id')).toBeNull();
    expect(routePatternProblem('users')).toMatch(/start with "\/"/);
    expect(routePatternProblem('/users?x=1')).toMatch(/URL path characters/);
    expect(routePatternProblem('/a b')).toMatch(/URL path characters/);
    expect(routePatternProblem('/a**')).toMatch(/whole segment/);
    expect(routePatternProblem(`/${'a'.repeat(200)}`)).toMatch(/at most 200/);
    expect(routePatternProblem(42)).toMatch(/string/);
    expect(() => RoutePattern.compile('nope')).toThrow(/nope/);
  });

  it('splits paths into segments', () => {
    expect(pathSegments('/')).toEqual([]);
    expect(pathSegments('/a/b/')).toEqual(['a', 'b']);
    expect(pathSegments('/a//b')).toEqual(['a', '', 'b']);
  });
});

describe('paths chaos never touches', () => {
  it('exempts the control plane, probes, metrics and docs', () => {
    for (const path of [
      '/chaos',
      '/chaos/delay',
      '/health/live',
      '/health/ready',
      '/metrics',
      '/docs',
      '/docs-json',
      '/docs/swagger-ui.css',
      '/redoc',
    ]) {
      expect([path, isChaosExempt(path)]).toEqual([path, true]);
    }
  });

  it('applies everywhere else', () => {
    for (const path of [
      '/',
      '/validate',
      '/users/1',
      '/metricsx',
      '/redocs',
      '/api/chaos',
      '/.well-known/jwks.json',
    ]) {
      expect([path, isChaosExempt(path)]).toEqual([path, false]);
    }
  });
});
