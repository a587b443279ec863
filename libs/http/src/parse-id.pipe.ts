import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ApiError } from './api-error';

/** Path ids are positive 32-bit integers written in plain digits; anything else is a 400, never a 500. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    const name = metadata.data ?? 'id';
    const id = /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) {
      throw new ApiError(
        400,
        'INVALID_ID',
        `${name} must be a positive integer (got "${String(value).slice(0, 40)}")`,
      );
    }
    return id;
  }
}
