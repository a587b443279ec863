import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ApiError } from './api-error';

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) =>
      // class-validator says "property x should not exist" for whitelist violations: name the full path.
      text.startsWith(`property ${error.property} `)
        ? text.replace(`property ${error.property}`, `property ${path}`)
        : text.replace(error.property, path),
    );
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * Leaves path/query primitives as the strings they arrived as: "1e3" must not quietly become 1000 before a
 * dedicated pipe (ParseIdPipe) checks it. DTOs are still transformed and validated.
 */
class StrictValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown, _metadata: ArgumentMetadata): unknown {
    return value;
  }
}

/** Global pipe: strips nothing silently (unknown fields are errors), converts types, 400 with every problem listed. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new ApiError(400, 'VALIDATION_FAILED', details.join('; ') || 'Invalid request', { details });
    },
  });
}
