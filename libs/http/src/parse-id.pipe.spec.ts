import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ApiError } from './api-error';
import { ParseIdPipe } from './parse-id.pipe';

describe('ParseIdPipe', () => {
  const pipe = new ParseIdPipe();
  const meta = { type: 'param' as const, data: 'menuId' };

  it('accepts positive 32-bit integers written in digits', () => {
    expect(pipe.transform('1', meta)).toBe(1);
    expect(pipe.transform('2147483647', meta)).toBe(2147483647);
  });

  for (const bad of ['0', '-1', '1.5', '1e3', 'abc', '', ' 1', '0x10', '2147483648', '99999999999']) {
    it(`rejects "${bad}" with 400 INVALID_ID naming the parameter`, () => {
      let error: unknown;
      try {
        pipe.transform(bad, meta);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).getStatus()).toBe(400);
      expect((error as ApiError).code).toBe('INVALID_ID');
      expect((error as ApiError).message).toMatch(/^menuId must be a positive integer/);
    });
  }
});
