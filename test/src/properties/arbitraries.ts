/**
 * fast-check arbitraries for hostile analytics input: property names and JSON values chosen to hit
 * every edge the collector and the loader must survive, and JSON *text* (not only values), since some
 * inputs exist only as text: number literals a double cannot hold, `\u0000` and lone-surrogate
 * escapes, duplicate keys.
 */
import fc from 'fast-check';

/** How many runs a property makes: small in CI, larger on demand (`FC_NUM_RUNS=20000`). */
export function numRuns(ciDefault: number): number {
  const wanted = Number(process.env.FC_NUM_RUNS);
  return Number.isInteger(wanted) && wanted > 0 ? wanted : ciDefault;
}

/** A number literal written into the JSON text as is (see `jsonTextOf`). */
const RAW = '\u0001raw:';

/** Number literals JSON allows and a double cannot hold, or holds oddly. */
export const numberLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e-400',
    '1180591620717411303424', // 2^70
    '-1180591620717411303424',
    '9007199254740993', // 2^53 + 1
    '18446744073709551616', // 2^64
    '9223372036854775807',
    '-9223372036854775809',
    '0.1000000000000000000001',
    '-0',
    '0e0',
    '1E+308',
    '12345678901234567890123456789012345678901234567890',
    '1.5e-323',
  ),
  fc.bigInt().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
);

/** Property names: reserved words, names that collide once snake_cased, common columns, control characters. */
export const propertyName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'select',
      'user',
      'order',
      'group',
      'table',
      'from',
      'where',
      'timestamp',
      'offset',
      'open',
      'tag',
      'identity',
      'wallet',
      'percent',
      'new',
      'old',
      'system',
      'Order ID',
      'order_id',
      'orderId',
      'ORDER-ID',
      'order.id',
      'order__id',
      ' order id ',
      'id',
      'ID',
      'received_at',
      'event',
      'event_text',
      'user_id',
      'anonymous_id',
      'context_ip',
      'uuid_ts',
      '_rejected',
      '_enrichment_errors',
      'sent_at',
      'timestamp',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      '',
      ' ',
      '_',
      '__',
      '.',
      '..',
      'a\u0000b',
      '\u0000',
      '\ud800',
      'x\udc00y',
      '\ud83d',
      '😀',
      '名前',
      'Ünïcödé',
      'a"b',
      "a'b",
      'a\\b',
      'a\tb\nc',
      '$1',
      '1abc',
      '0',
      '-1',
      'x'.repeat(64),
      'y'.repeat(128),
      'é'.repeat(70),
      '😀'.repeat(40),
      'camelCaseName',
      'CamelCaseName',
      'camel_case_name',
      'HTTPServer',
      'http_server',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom('a', 'B', '_', ' ', '.', '-', '1', 'é', '\u0000', '\ud800'),
      maxLength: 80,
    }),
  },
);

/** Strings values: anything, plus the characters no warehouse stores as sent. */
export const stringValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    'x\ud83d',
    '\ud83d\ude00',
    '\\',
    '\\N',
    '\t',
    '\n',
    '\r\n',
    '"',
    '2024-05-01T10:00:00Z',
    '2024-05-01T10:00:00.123456789+14:00',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '+275760-09-13T00:00:00.000Z',
    '2024-02-30T00:00:00Z',
    '2024-05-01',
    'NaN',
    'Infinity',
    '-0',
    '1e400',
    'true',
    'null',
    '{}',
    '[]',
    '{"a":1}',
    'x'.repeat(70_000),
  ),
);

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  stringValue,
  numberLiteral.map((literal) => `${RAW}${literal}`),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** A JSON value, nested a few levels, with hostile names and leaves. */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(propertyName, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** An object of properties (or traits, or context). */
export const jsonObject: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(propertyName, jsonValue, {
  maxKeys: 12,
});

/** An object nested `depth` levels: `{"a":{"a":…{"a":1}}}`. */
export function nested(depth: number, leafValue: unknown = 1): unknown {
  let value = leafValue;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/**
 * JSON text of a value from these arbitraries: number literals are written as the raw literal (so
 * `1e400` reaches the parser as `1e400`), everything else as `JSON.stringify` writes it (lone
 * surrogates and control characters as `\u` escapes, as a browser sends them).
 */
export function jsonTextOf(value: unknown): string {
  const text = JSON.stringify(value);
  return text.replace(/"\\u0001raw:([^"]*)"/g, '$1');
}
