import { expect } from 'expect';
import { describe, it } from 'node:test';
import {
  coversRoute,
  describeFault,
  faultId,
  isExpired,
  parseFault,
  pickDelay,
  remainingMs,
  roll,
  type Fault,
} from './faults';
import type { AnyChaosKnob } from './knob';
import { cacheFailureKnob, cacheFaultFor } from './knobs/cache-failure.knob';
import { hangKnob } from './knobs/hang.knob';
import { delayKnob, errorKnob, type DelaySettings } from './knobs/request-faults.knob';
import { probeInventoryDelayKnob, probePaymentFailKnob } from '../test/probe-knobs';

type DelayFault = Fault<DelaySettings>;
const KNOBS = new Map<string, AnyChaosKnob>(
  [
    delayKnob,
    errorKnob,
    probeInventoryDelayKnob,
    probePaymentFailKnob,
    hangKnob({ destructiveTtlS: 300, maxHungRequests: 10 }),
    cacheFailureKnob(['menu_list', 'menu']),
  ].map((knob) => [knob.name, knob]),
);

const meta = {
  instance: null,
  set_at: '2026-01-01T00:00:00.000Z',
  set_by: 'user-1',
  expires_at: null,
};
const delay = (extra: Partial<DelayFault> = {}): DelayFault => ({
  type: 'delay',
  delay_ms: 1000,
  jitter_ms: 0,
  percent: 100,
  routes: null,
  match: null,
  ...meta,
  ...extra,
});

describe('faults', () => {
  it('ids tell global faults from faults aimed at one replica', () => {
    expect(faultId('delay', null)).toBe('delay');
    expect(faultId('delay', 'user-2')).toBe('delay@user-2');
  });

  it('expiry', () => {
    const now = Date.parse('2026-01-01T00:00:10.000Z');
    const fault = delay({ expires_at: '2026-01-01T00:00:11.000Z' });
    expect(isExpired(fault, now)).toBe(false);
    expect(remainingMs(fault, now)).toBe(1000);
    expect(isExpired(fault, now + 1000)).toBe(true);
    expect(isExpired(delay(), now)).toBe(false);
    expect(remainingMs(delay(), now)).toBeNull();
  });

  it('roll honours 0 and 100 exactly and the share in between', () => {
    expect(Array.from({ length: 1000 }, () => roll(0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 1000 }, () => roll(100)).every(Boolean)).toBe(true);
    const hits = Array.from({ length: 20000 }, () => roll(30)).filter(Boolean).length;
    expect(hits / 20000).toBeGreaterThan(0.28);
    expect(hits / 20000).toBeLessThan(0.32);
  });

  it('jitter spreads delays around delay_ms, never below 0', () => {
    expect(pickDelay(delay())).toBe(1000);
    const picks = Array.from({ length: 2000 }, () => pickDelay(delay({ delay_ms: 100, jitter_ms: 300 })));
    expect(Math.min(...picks)).toBe(0);
    expect(Math.max(...picks)).toBeLessThanOrEqual(400);
    expect(Math.max(...picks)).toBeGreaterThan(300);
  });

  it('routes scope request faults; no routes means every route', () => {
    expect(coversRoute(delay(), '/anything')).toBe(true);
    const scoped = delay({ routes: ['/validate', '/users/*'] });
    expect(coversRoute(scoped, '/validate')).toBe(true);
    expect(coversRoute(scoped, '/users/3')).toBe(true);
    expect(coversRoute(scoped, '/login')).toBe(false);
    expect(coversRoute(delay({ routes: ['/users/:id'] }), '/users/3', '/users/:id')).toBe(true);
  });

  it('parses stored faults and rejects anything malformed', () => {
    expect(parseFault(JSON.parse(JSON.stringify(delay())), KNOBS)).toEqual(delay());
    expect(parseFault({ ...meta, type: 'error', percent: 50, status: 503, routes: ['/x'] }, KNOBS)).toEqual({
      ...meta,
      type: 'error',
      percent: 50,
      status: 503,
      routes: ['/x'],
      match: null,
    });
    // A targeted delay (match) survives the round trip; a malformed match is skipped.
    const targeted = delay({ match: { menu_id: [3], user_id: [8] } });
    expect(parseFault(JSON.parse(JSON.stringify(targeted)), KNOBS)).toEqual(targeted);
    expect(parseFault({ ...meta, type: 'payment_fail', fail_percent: 30 }, KNOBS)).toMatchObject({
      fail_percent: 30,
      match: null,
    });
    expect(
      parseFault({ ...meta, type: 'inventory_delay', delay_ms: 3000, percent: 100 }, KNOBS),
    ).toMatchObject({
      delay_ms: 3000,
    });
    for (const bad of [
      null,
      'delay',
      { ...delay(), type: 'explode' },
      { ...delay(), delay_ms: 60001 },
      { ...delay(), delay_ms: '1000' },
      { ...delay(), percent: 101 },
      { ...delay(), routes: ['no-slash'] },
      { ...delay(), routes: [] },
      { ...delay(), instance: 'bad id' },
      { ...delay(), set_at: 'yesterday' },
      { ...delay(), set_by: 1 },
      { ...delay(), match: { menu_id: [0] } },
      { ...delay(), match: [3] },
      { ...meta, type: 'error', percent: 50, status: 404, routes: null },
      { ...meta, type: 'payment_fail', fail_percent: 0 },
      { ...meta, type: 'payment_fail', fail_percent: 5, match: { menu_id: [] } },
      { ...meta, type: 'payment_fail', fail_percent: 5, match: { user_id: ['1'] } },
    ]) {
      expect([bad, parseFault(bad, KNOBS)]).toEqual([bad, null]);
    }
  });

  it('hang and cache_failure: stored settings are checked like every knob’s', () => {
    expect(parseFault({ ...meta, type: 'hang', percent: 100, routes: ['/menus/*'] }, KNOBS)).toMatchObject({
      type: 'hang',
      percent: 100,
      routes: ['/menus/*'],
    });
    const stale = {
      ...meta,
      type: 'cache_failure',
      cache: 'menu',
      mode: 'stale',
      latency_ms: 0,
      percent: 100,
    };
    expect(parseFault(stale, KNOBS)).toMatchObject({ cache: 'menu', mode: 'stale' });
    expect(parseFault({ ...stale, cache: null }, KNOBS)).toMatchObject({ cache: null });
    for (const bad of [
      { ...meta, type: 'hang', percent: 101, routes: null },
      { ...meta, type: 'hang', percent: 100, routes: [] },
      { ...stale, cache: 'order' },
      { ...stale, mode: 'off' },
      { ...stale, mode: 'slow', latency_ms: 0 },
      { ...stale, percent: -1 },
    ]) {
      expect([bad, parseFault(bad, KNOBS)]).toEqual([bad, null]);
    }
  });

  it('cacheFaultFor: a cache_failure covers its cache (or every cache) in its mode only', () => {
    const fault = { cache: 'menu', mode: 'bypass' as const, latency_ms: 0, percent: 100 };
    expect(cacheFaultFor(fault, 'menu', 'bypass')).toBe(true);
    expect(cacheFaultFor(fault, 'menu_list', 'bypass')).toBe(false);
    expect(cacheFaultFor(fault, 'menu', 'stale')).toBe(false);
    expect(cacheFaultFor({ ...fault, cache: null }, 'menu_list', 'bypass')).toBe(true);
    expect(cacheFaultFor(null, 'menu', 'bypass')).toBe(false);
  });

  it('describes faults for log lines', () => {
    expect(describeFault(delay({ routes: ['/validate'], instance: 'u2' }), KNOBS)).toBe(
      'delay 1000ms on 100% of /validate on u2',
    );
  });
});
