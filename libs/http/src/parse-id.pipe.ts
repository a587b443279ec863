import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ApiError } from './api-error';

/** Path ids are positive 32-bit integers written in plain digits. */
export function isPathId(value: string): boolean {
  if (!/^[0-9]{1,10}$/.test(value)) return false;
  const id = Number(value);
  return id >= 1 && id <= 2_147_483_647;
}

/** A path id that `isPathId` refuses is a 400, never a 500. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    const name = metadata.data ?? 'id';
    if (!isPathId(value)) {
      throw new ApiError(
        400,
        'INVALID_ID',
        `${name} must be a positive integer (got "${String(value).slice(0, 40)}")`,
      );
    }
    return Number(value);
  }
}
