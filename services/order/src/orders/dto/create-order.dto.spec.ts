import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { expect } from 'expect';
import { describe, it } from 'node:test';
import { CreateOrderDto, PHONE_PATTERN } from './create-order.dto';

const problems = (body: unknown): string[] =>
  validateSync(plainToInstance(CreateOrderDto, body), {
    whitelist: true,
    forbidNonWhitelisted: true,
  }).flatMap(function flatten(error): string[] {
    return [...Object.values(error.constraints ?? {}), ...(error.children ?? []).flatMap(flatten)];
  });

describe('CreateOrderDto', () => {
  const valid = {
    items: [{ menu_id: 1, quantity: 2 }],
    address: '서울시 강남구 123-45',
    phone: '010-1234-5678',
  };

  it('accepts the spec body', () => {
    expect(problems(valid)).toEqual([]);
  });

  it('accepts usual phone numbers and refuses anything else', () => {
    for (const good of ['010-1234-5678', '01012345678', '+82-10-1234-5678', '02-555-0101']) {
      expect([good, PHONE_PATTERN.test(good)]).toEqual([good, true]);
    }
    for (const bad of [
      '',
      '123',
      '010--1234-5678',
      '-010-1234',
      '010-1234-5678-',
      '010 1234 5678',
      'phone',
      '1'.repeat(21),
    ]) {
      expect([bad, PHONE_PATTERN.test(bad)]).toEqual([bad, false]);
    }
  });

  it('bounds items: 1..50 distinct menus, quantities 1..1000 integers', () => {
    expect(problems({ ...valid, items: [] })).toEqual(['items must contain at least 1 elements']);
    expect(
      problems({ ...valid, items: Array.from({ length: 51 }, (_, i) => ({ menu_id: i + 1, quantity: 1 })) }),
    ).toEqual(['items must contain no more than 50 elements']);
    expect(
      problems({
        ...valid,
        items: [
          { menu_id: 1, quantity: 1 },
          { menu_id: 1, quantity: 1 },
        ],
      }),
    ).toEqual(['items must not repeat a menu_id (add up the quantities instead)']);
    expect(problems({ ...valid, items: [{ menu_id: 1, quantity: 1001 }] })).toEqual([
      'quantity must not be greater than 1000',
    ]);
    expect(problems({ ...valid, items: [{ menu_id: 1, quantity: 0.5 }] })).toContain(
      'quantity must be an integer number',
    );
    expect(problems({ ...valid, items: [{ menu_id: 0, quantity: 1 }] })).toEqual([
      'menu_id must not be less than 1',
    ]);
  });

  it('requires a non-blank address of at most 200 characters', () => {
    expect(problems({ ...valid, address: 'x'.repeat(201) })).toEqual([
      'address must be shorter than or equal to 200 characters',
    ]);
    expect(problems({ ...valid, address: ' \t ' })).toEqual(['address must not be blank']);
  });
});
