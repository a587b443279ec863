import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Thrown at boot when the environment does not satisfy a service's env class. */
export class EnvValidationError extends Error {
  constructor(
    readonly serviceName: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration for ${serviceName}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvValidationError';
  }
}

function describe(errors: ValidationError[], source: Record<string, unknown>): string[] {
  return errors.map((error) => {
    const raw = source[error.property];
    const shown =
      raw === undefined
        ? 'unset'
        : `got ${JSON.stringify((typeof raw === 'string' ? raw : JSON.stringify(raw)).slice(0, 80))}`;
    const reasons = Object.values(error.constraints ?? {}).join('; ');
    return `${error.property}: ${reasons} (${shown})`;
  });
}

/**
 * Turns raw environment strings into a typed, validated instance of `envClass`.
 * Empty strings count as unset so `FOO=` falls back to the class default.
 */
export function validateEnv<T extends object>(
  envClass: ClassConstructor<T>,
  source: Record<string, unknown>,
  serviceName = envClass.name,
): T {
  const present: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && value !== '') present[key] = value;
  }
  const instance = plainToInstance(envClass, present, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(instance, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) throw new EnvValidationError(serviceName, describe(errors, present));
  // Rules that span several settings (e.g. "listening beyond loopback needs a key") come after the fields.
  const combined = (instance as { combinationProblems?: () => string[] }).combinationProblems?.() ?? [];
  if (combined.length > 0) throw new EnvValidationError(serviceName, combined);
  return instance;
}
