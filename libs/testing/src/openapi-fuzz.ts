import fc from 'fast-check';

/**
 * Hostile HTTP requests for every operation of an OpenAPI document (what a service serves at /docs-json), as
 * fast-check arbitraries: schema-valid bodies with one field broken, unknown and missing fields, wrong types,
 * NUL and lone surrogates, numbers in exponent form or beyond the safe range, deep nesting, many keys,
 * invalid UTF-8, oversized bodies, wrong media types, hostile path/query parameters and headers.
 */

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface FuzzOperation {
  method: string;
  /** Path template, e.g. /orders/{id}/cancel. */
  path: string;
  operation: OpenApiDocument['paths'][string][string];
}

export interface FuzzRequest {
  method: string;
  /** Path and query, already encoded (possibly badly, on purpose). */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** For failure messages: the operation this request was made for. */
  operation: string;
  /** What was done to it, for failure messages. */
  variant: string;
}

/** A number written verbatim into JSON (1e400, 1e-7, 12345678901234567890…), which JSON.stringify cannot do. */
class RawNumber {
  constructor(readonly text: string) {}
}

/** JSON text of a generated value; RawNumber is written as its text. */
function toJson(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udc00y',
  '\ud83c\udf55',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  'x'.repeat(300),
  'x'.repeat(5000),
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '${7*7}',
  '\r\nX-Injected: 1',
  '1',
  '-1',
  'true',
  'null',
];

const HOSTILE_NUMBERS: unknown[] = [
  0,
  -1,
  -0,
  1.5,
  0.1,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 53 - 1,
  new RawNumber('9007199254740993'),
  new RawNumber('12345678901234567890'),
  new RawNumber('1e400'),
  new RawNumber('-1e400'),
  new RawNumber('1e-7'),
  new RawNumber('1e3'),
  new RawNumber('1E2'),
  new RawNumber('5e-324'),
  new RawNumber('1.0'),
  new RawNumber('-0.0'),
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
];

/** Any JSON-ish value of the wrong kind: strings, numbers, containers, literals. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom(null, true, false, [], {}, [null], { a: 1 }, ['x'], [[[[[[[[[[1]]]]]]]]]]),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

function resolve(document: OpenApiDocument, schema: Schema | undefined): Schema {
  let current = schema ?? {};
  for (let hops = 0; current.$ref && hops < 10; hops += 1) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = document.components?.schemas?.[name] ?? {};
  }
  return current;
}

/** Values the schema accepts, or close to it (example, bounds, a pattern's example). */
function validValue(document: OpenApiDocument, raw: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(document, raw);
  if (schema.oneOf?.length) return fc.oneof(...schema.oneOf.map((item) => validValue(document, item, depth)));
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const options: fc.Arbitrary<unknown>[] = [];
  if (schema.example !== undefined) options.push(fc.constant(schema.example));
  switch (schema.type) {
    case 'number':
    case 'integer': {
      const min = schema.minimum ?? 0;
      // Near the lower bound: large valid values (a chaos delay of 60 s, a 10 s `delay`) would only slow the run.
      options.push(fc.integer({ min, max: Math.min(schema.maximum ?? min + 3, min + 3) }));
      break;
    }
    case 'boolean':
      options.push(fc.boolean());
      break;
    case 'string':
      if (!schema.pattern && schema.example === undefined) {
        options.push(
          fc.string({ minLength: schema.minLength ?? 1, maxLength: Math.min(schema.maxLength ?? 12, 12) }),
        );
      }
      break;
    case 'array': {
      if (depth > 3) break;
      options.push(
        fc.array(validValue(document, schema.items, depth + 1), {
          minLength: schema.minItems ?? 1,
          maxLength: Math.max(schema.minItems ?? 1, 3),
        }),
      );
      break;
    }
    case 'object':
    default:
      if (schema.properties && depth <= 3) options.push(validObject(document, schema, depth + 1));
  }
  return options.length ? fc.oneof(...options) : fc.constant('x');
}

function validObject(document: OpenApiDocument, schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties))
    record[name] = validValue(document, property, depth);
  return fc.record(record, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
}

/** A body for a schema: valid, or valid with one thing broken. */
function bodyValue(
  document: OpenApiDocument,
  raw: Schema,
): fc.Arbitrary<{ value: unknown; variant: string }> {
  const schema = resolve(document, raw);
  const valid = validValue(document, schema);
  const fields = Object.keys(schema.properties ?? {});
  const withField = (
    variant: string,
    change: (body: Record<string, unknown>, field: string, value: unknown) => void,
  ) =>
    fc
      .tuple(valid, fields.length ? fc.constantFrom(...fields) : fc.constant('x'), hostileValue)
      .map(([body, field, value]) => {
        const copy =
          body !== null && typeof body === 'object' && !Array.isArray(body)
            ? { ...(body as Record<string, unknown>) }
            : {};
        change(copy, field, value);
        return { value: copy, variant: `${variant} ${field}` };
      });
  return fc.oneof(
    { weight: 1, arbitrary: valid.map((value) => ({ value, variant: 'schema-valid' })) },
    {
      weight: 5,
      arbitrary: withField('hostile value in', (body, field, value) => {
        body[field] = value;
      }),
    },
    {
      weight: 2,
      arbitrary: withField('hostile value in an item of', (body, field, value) => {
        const current = body[field];
        body[field] = Array.isArray(current) && current.length ? [value, ...current.slice(1)] : [value];
        if (Array.isArray(current) && current[0] && typeof current[0] === 'object') {
          const [first, ...rest] = current as Record<string, unknown>[];
          const key = Object.keys(first)[0] ?? 'x';
          body[field] = [{ ...first, [key]: value }, ...rest];
        }
      }),
    },
    {
      weight: 1,
      arbitrary: withField('missing', (body, field) => {
        delete body[field];
      }),
    },
    {
      weight: 1,
      arbitrary: withField('unknown field beside', (body, _field, value) => {
        body.unknown_field = value;
      }),
    },
    {
      weight: 1,
      arbitrary: withField('nested too deep:', (body, field) => {
        let value: unknown = body[field] ?? 1;
        for (let i = 0; i < 12; i += 1) value = [value];
        body[field] = value;
      }),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 60, max: 400 }).map((count) => ({
        value: Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i])),
        variant: `${count} unknown keys`,
      })),
    },
    { weight: 1, arbitrary: hostileValue.map((value) => ({ value, variant: 'a hostile top-level value' })) },
  );
}

/** Bodies no JSON parser should take: syntax errors, bad bytes, bombs. */
const RAW_BODIES: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['{}', Buffer.from('{}')],
  ['truncated JSON', Buffer.from('{"a":')],
  ['trailing comma', Buffer.from('{"a":1,}')],
  ['single quotes', Buffer.from("{'a':1}")],
  ['a BOM', Buffer.from('\ufeff{}')],
  [
    'invalid UTF-8',
    Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
  ],
  [
    'an overlong UTF-8 NUL',
    Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0x80]), Buffer.from('"}')]),
  ],
  ['a raw NUL byte', Buffer.from('{"a":"\u0000"}')],
  ['deep arrays', Buffer.from('['.repeat(3000) + ']'.repeat(3000))],
  ['deep objects', Buffer.from('{"a":'.repeat(1000) + '1' + '}'.repeat(1000))],
  ['unclosed deep arrays', Buffer.from('['.repeat(5000))],
  ['duplicate keys', Buffer.from('{"a":1,"a":2,"a":{"b":1}}')],
  ['a __proto__ key', Buffer.from('{"__proto__":{"admin":true}}')],
  ['constructor.prototype', Buffer.from('{"constructor":{"prototype":{"admin":true}}}')],
  [
    '1500 unknown keys',
    Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, 1])))),
  ],
  ['a 20 KB string', Buffer.from(JSON.stringify({ a: 'x'.repeat(20 * 1024) }))],
  ['a 100 KB body', Buffer.from(JSON.stringify({ a: 'x'.repeat(100 * 1024) }))],
  ['a huge number', Buffer.from('1' + '0'.repeat(400))],
  ['NaN', Buffer.from('NaN')],
  ['a form', Buffer.from('a=1&b=2&a=3')],
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/merge-patch+json',
  'application/json, text/plain',
  'json',
  '',
];

/** Path parameter values: ids, near-ids, encodings Fastify or Postgres could trip on. */
const HOSTILE_PATH_VALUES = [
  '1',
  '2',
  '42',
  '0',
  '-1',
  '1.5',
  '1e3',
  '0x10',
  '%20',
  '%00',
  '1%00',
  '%ZZ',
  '%FF',
  '%C3%28',
  '%ED%A0%80',
  '%F0%9F%8D%95',
  '2147483648',
  '99999999999999999999',
  '9'.repeat(300),
  'a'.repeat(65),
  'order-42',
  '..',
  '%2e%2e',
  '%2F',
  'null',
];

const HEADER_VALUES = ['', ' ', 'x'.repeat(300), 'a b', '\u00ff\u00fe', '${jndi:ldap://x}', '1', 'Bearer'];

export interface FuzzContext {
  /** A valid user token, to get past the guards into validation. */
  token: string;
}

function pathArbitrary(template: string, parameters: Parameter[]): fc.Arbitrary<string> {
  const names = parameters.filter((p) => p.in === 'path').map((p) => p.name);
  if (names.length === 0) return fc.constant(template);
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_PATH_VALUES) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent) },
  );
  return fc
    .tuple(...names.map(() => value))
    .map((values) => names.reduce((path, name, i) => path.replace(`{${name}}`, values[i]), template));
}

function queryArbitrary(parameters: Parameter[]): fc.Arbitrary<string> {
  const names = [...parameters.filter((p) => p.in === 'query').map((p) => p.name), 'unknown', 'limit'];
  const value = fc.oneof(
    fc.constantFrom(...HOSTILE_PATH_VALUES),
    fc.constantFrom('active', 'committed', '10', '1', '100'),
    fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
  );
  return fc
    .array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 3 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([name, v]) => `${name}=${v}`).join('&')}` : ''));
}

function headersArbitrary(
  parameters: Parameter[],
  context: FuzzContext,
): fc.Arbitrary<Record<string, string>> {
  const named = parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());
  const authorization = fc.constantFrom(
    `Bearer ${context.token}`,
    `Bearer ${context.token}`,
    `Bearer ${context.token}`,
    '',
    'Bearer',
    'Bearer x.y.z',
    `Basic ${context.token}`,
    `Bearer ${context.token.slice(0, -4)}AAAA`,
    `Bearer ${'a'.repeat(4000)}`,
  );
  const extra = fc.array(
    fc.tuple(
      fc.constantFrom(...named, 'idempotency-key', 'x-request-id', 'accept', 'x-forwarded-for'),
      fc.constantFrom(...HEADER_VALUES),
    ),
    { maxLength: 2 },
  );
  return fc.tuple(authorization, extra).map(([auth, pairs]) => {
    const headers: Record<string, string> = Object.fromEntries(pairs.filter(([, v]) => v !== ''));
    if (auth) headers.authorization = auth;
    return headers;
  });
}

function encodeForm(value: unknown): Buffer {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return Buffer.from(String(value));
  const form = new URLSearchParams();
  for (const [key, item] of Object.entries(value)) {
    form.append(
      key,
      typeof item === 'string' ? item : item instanceof RawNumber ? item.text : JSON.stringify(item),
    );
  }
  return Buffer.from(form.toString());
}

function bodyArbitrary(
  document: OpenApiDocument,
  operation: Operation,
): fc.Arbitrary<{ body?: Buffer; contentType?: string; variant: string }> {
  const content = operation.requestBody?.content ?? {};
  const declared = Object.keys(content);
  const schema = declared.length ? content[declared[0]].schema : { type: 'object', properties: {} };
  const structured = fc
    .tuple(
      bodyValue(document, schema),
      fc.constantFrom(...(declared.length ? declared : ['application/json'])),
    )
    .map(([{ value, variant }, contentType]) => ({
      body: contentType.includes('form') ? encodeForm(value) : Buffer.from(toJson(value)),
      contentType,
      variant: `${variant} as ${contentType}`,
    }));
  const raw = fc
    .tuple(fc.constantFrom(...RAW_BODIES), fc.constantFrom(...CONTENT_TYPES))
    .map(([[variant, body], contentType]) => ({
      body,
      contentType: contentType || undefined,
      variant: `raw ${variant} as ${contentType || 'no Content-Type'}`,
    }));
  const none = fc.constantFrom(undefined, 'application/json', 'text/plain').map((contentType) => ({
    body: undefined,
    contentType,
    variant: `no body, ${contentType ?? 'no Content-Type'}`,
  }));
  return fc.oneof(
    { weight: 5, arbitrary: structured },
    { weight: 3, arbitrary: raw },
    { weight: 1, arbitrary: none },
  );
}

/** Every operation of a document, skipping none: documentation and probes are fuzzed too. */
export function operationsOf(document: OpenApiDocument): FuzzOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** Hostile requests for one operation. */
export function hostileRequest(
  document: OpenApiDocument,
  { method, path, operation }: FuzzOperation,
  context: FuzzContext,
): fc.Arbitrary<FuzzRequest> {
  const parameters = operation.parameters ?? [];
  return fc
    .tuple(
      pathArbitrary(path, parameters),
      queryArbitrary(parameters),
      headersArbitrary(parameters, context),
      bodyArbitrary(document, operation),
      // Now and then the wrong method on the right path.
      fc.oneof(
        { weight: 12, arbitrary: fc.constant(method) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') },
      ),
    )
    .map(([target, query, headers, body, chosenMethod]) => {
      const all = { ...headers };
      if (body.contentType) all['content-type'] = body.contentType;
      const hasBody = chosenMethod !== 'GET' && chosenMethod !== 'OPTIONS';
      return {
        method: chosenMethod,
        target: `${target}${query}`,
        headers: all,
        body: hasBody ? body.body : undefined,
        operation: `${method} ${path}`,
        variant: hasBody ? body.variant : 'no body',
      };
    });
}
