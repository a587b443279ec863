/**
 * The subset of JSON schema that the services publish for their knobs (`GET /chaos` → catalogue[].schema, made
 * from the same @ApiProperty metadata as /docs): object, number/integer with minimum/maximum, string with enum,
 * pattern and length, boolean, arrays of those, nullable. The browser builds each knob's form from it and checks
 * a body before sending it; the console server checks it again; the service has the last word.
 * Shared by the front end and the server, so it imports nothing.
 */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  enum?: unknown[];
  nullable?: boolean;
  default?: unknown;
  description?: string;
}

/** How deep a body may nest: knob bodies are flat objects with arrays of scalars at most. */
const MAX_DEPTH = 4;

const typesOf = (schema: JsonSchema): string[] =>
  schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(types: string[], value: unknown): boolean {
  if (types.length === 0) return true;
  const kind = kindOf(value);
  return types.some((type) => type === kind || (type === 'number' && kind === 'integer'));
}

/** Every way `value` breaks `schema`, as readable lines ("delay_ms must be at most 60000"); [] when it fits. */
export function checkAgainstSchema(schema: JsonSchema, value: unknown, path = 'body', depth = 0): string[] {
  if (depth > MAX_DEPTH) return [`${path} nests too deeply`];
  if (value === null)
    return schema.nullable || typesOf(schema).includes('null') ? [] : [`${path} must not be null`];
  const types = typesOf(schema);
  if (!matchesType(types, value)) return [`${path} must be ${types.join(' or ')}`];
  const problems: string[] = [];
  if (schema.enum && !schema.enum.some((allowed) => allowed === value))
    problems.push(`${path} must be one of ${schema.enum.map(String).join(', ')}`);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push(`${path} must be a finite number`);
    if (schema.minimum !== undefined && value < schema.minimum)
      problems.push(`${path} must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      problems.push(`${path} must be at most ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
      problems.push(`${path} must be more than ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
      problems.push(`${path} must be less than ${schema.exclusiveMaximum}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      problems.push(`${path} must have at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      problems.push(`${path} must have at most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !safePattern(schema.pattern).test(value))
      problems.push(`${path} must match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      problems.push(`${path} must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      problems.push(`${path} must have at most ${schema.maxItems} items`);
    if (schema.items)
      value.forEach((item, index) =>
        problems.push(...checkAgainstSchema(schema.items!, item, `${path}[${index}]`, depth + 1)),
      );
  }
  if (kindOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    const properties = schema.properties ?? {};
    for (const name of schema.required ?? [])
      if (record[name] === undefined) problems.push(`${name} is required`);
    for (const [name, item] of Object.entries(record)) {
      const property = properties[name];
      if (property) problems.push(...checkAgainstSchema(property, item, name, depth + 1));
      else if (schema.additionalProperties === false)
        problems.push(`${name.slice(0, 64)} is not a known field`);
    }
  }
  return problems;
}

/** A pattern from a service, compiled once; one that does not compile matches nothing rather than throwing. */
const compiled = new Map<string, RegExp>();
function safePattern(pattern: string): RegExp {
  let found = compiled.get(pattern);
  if (!found) {
    try {
      found = new RegExp(pattern, 'u');
    } catch {
      found = /$^/;
    }
    compiled.set(pattern, found);
  }
  return found;
}
