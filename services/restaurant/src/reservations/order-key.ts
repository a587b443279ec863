import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A string order key: 1–64 characters of letters, digits and `_.:-`, starting with a letter or digit. */
export const ORDER_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/**
 * The ledger key of a reservation. A positive integer (the order service's order id) becomes its decimal string,
 * so `42` and `"42"` name the same reservation; a string key is used as is. Anything else → null.
 */
export function toOrderKey(value: unknown): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? String(value) : null;
  if (typeof value === 'string') return ORDER_KEY_PATTERN.test(value) ? value : null;
  return null;
}

export const ORDER_KEY_RULE =
  'a positive integer or a string of 1-64 letters, digits and "_.:-" starting with a letter or digit';

/** class-validator rule for `order_id` in bodies. */
export function IsOrderKey(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isOrderKey',
      validator: {
        validate: (value) => toOrderKey(value) !== null,
        defaultMessage: () => `order_id must be ${ORDER_KEY_RULE}`,
      },
    },
    options,
  );
}

/** `{order_id}` path segments: 400 INVALID_ORDER_ID for anything but a valid key. */
@Injectable()
export class ParseOrderKeyPipe implements PipeTransform<string, string> {
  transform(value: string, _metadata: ArgumentMetadata): string {
    const key = toOrderKey(value);
    if (key === null) {
      throw new ApiError(
        400,
        'INVALID_ORDER_ID',
        `order_id must be ${ORDER_KEY_RULE} (got "${String(value).slice(0, 70)}")`,
      );
    }
    return key;
  }
}
