import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ParseOrderKeyPipe, toOrderKey } from './order-key';

describe('toOrderKey', () => {
  it('turns positive safe integers into their decimal string', () => {
    expect(toOrderKey(1)).toBe('1');
    expect(toOrderKey(42)).toBe('42');
    expect(toOrderKey(Number.MAX_SAFE_INTEGER)).toBe(String(Number.MAX_SAFE_INTEGER));
  });

  it('keeps well-formed string keys as they are', () => {
    expect(toOrderKey('42')).toBe('42');
    expect(toOrderKey('order-2026:abc_1.x')).toBe('order-2026:abc_1.x');
    expect(toOrderKey('a'.repeat(64))).toBe('a'.repeat(64));
  });

  it('rejects everything else', () => {
    for (const bad of [
      0,
      -1,
      1.5,
      Number.MAX_SAFE_INTEGER + 1,
      NaN,
      Infinity,
      '',
      ' 42',
      '-1',
      '_x',
      'a'.repeat(65),
      'with space',
      'semi;colon',
      'ünïcode',
      null,
      undefined,
      true,
      {},
      [],
    ]) {
      expect([bad, toOrderKey(bad)]).toEqual([bad, null]);
    }
  });
});

describe('ParseOrderKeyPipe', () => {
  const pipe = new ParseOrderKeyPipe();
  it('passes valid keys and answers 400 INVALID_ORDER_ID otherwise', () => {
    expect(pipe.transform('42', { type: 'param' })).toBe('42');
    expect(() => pipe.transform('bad key', { type: 'param' })).toThrow(/order_id must be/);
    let caught: unknown;
    try {
      pipe.transform('%%', { type: 'param' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'INVALID_ORDER_ID' });
    expect((caught as { getStatus(): number }).getStatus()).toBe(400);
  });
});
