import type { Type } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';

type JsonSchema = Record<string, unknown>;

const SCALAR: [unknown, string][] = [
  [Number, 'number'],
  [String, 'string'],
  [Boolean, 'boolean'],
  [Object, 'object'],
];

function typeOf(type: unknown): JsonSchema {
  if (Array.isArray(type)) return { type: 'array', items: typeOf(type[0]) };
  if (typeof type === 'string') return { type };
  const scalar = SCALAR.find(([ctor]) => ctor === type);
  if (scalar) return { type: scalar[1] };
  if (typeof type === 'function') return bodySchema(type as Type);
  return {};
}

/**
 * The JSON schema of a knob body, from the same @ApiProperty metadata Swagger reads (bounds, enums, defaults,
 * descriptions), so `GET /chaos` and /docs describe a knob alike. Unknown properties are refused (whitelist).
 */
export function bodySchema(dto: Type): JsonSchema {
  const prototype = dto.prototype as object;
  const names = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, prototype) ?? []) as string[];
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const name of names.map((entry) => entry.replace(/^:/, ''))) {
    const meta = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, prototype, name) ?? {}) as Record<
      string,
      unknown
    >;
    const { type, required: isRequired, isArray, example: _example, ...rest } = meta;
    const resolved =
      typeof type === 'function' && !SCALAR.some(([ctor]) => ctor === type) ? (type as () => unknown) : null;
    // Lazy type functions (`type: () => Foo`) are not constructors with a prototype of their own.
    const declared =
      resolved && !resolved.prototype
        ? resolved()
        : (type ?? (Reflect.getMetadata('design:type', prototype, name) as unknown));
    const base = typeOf(declared);
    properties[name] = { ...(isArray ? { type: 'array', items: base } : base), ...rest };
    if (isRequired !== false) required.push(name);
  }
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length ? { required } : {}),
  };
}
