/**
 * Whole HTTP requests for the collector, as an adversary would send them: any route, any header value
 * the SDKs send (and some no SDK sends), any content encoding, declared or not, and bodies that range
 * from valid Segment calls with hostile fields to bytes that are not JSON at all.
 */
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import type { LoadableChecker } from './loadable.js';
import { jsonObject, jsonTextOf, jsonValue, nested, numberLiteral, stringValue } from './arbitraries.js';

/** The key of source `web`, as in the collector harness, so the same requests serve the integration run. */
export const WRITE_KEY = 'test-write-key-web';
export const basicAuth = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

export interface HostileRequest {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The body's bytes before any compression: what the collector reads as JSON text. */
  plain: Buffer;
}

const TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

const SINGLE_ROUTES = TYPES.flatMap((t) => [`/v1/${t}`, `/v1/${t[0]}`]);
const BATCH_ROUTES = ['/v1/batch', '/v1/import', '/v1/b'];
const ODD_ROUTES = [
  '/v1/track/',
  '/v1/TRACK',
  '/v1/track?x=1',
  '/v1//track',
  '/v2/track',
  '/',
  '/v1/batch%00',
];

/** The route for a body: mostly one that takes its shape, sometimes any. */
const routeFor = (batch: boolean) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...(batch ? BATCH_ROUTES : SINGLE_ROUTES)) },
    { weight: 2, arbitrary: fc.constantFrom(...SINGLE_ROUTES, ...BATCH_ROUTES) },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_ROUTES) },
  );

/** A value for a Segment field: usually the right type, often any JSON value. */
const fieldValue = (right: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 3, arbitrary: right }, { weight: 1, arbitrary: jsonValue });

const validId = fc.oneof(
  stringValue.filter((s) => s.length > 0),
  numberLiteral.map((l) => `\u0001raw:${l}`),
  fc.integer(),
);
const id = fc.oneof(validId, fc.constant(''));

const context = fc.record(
  {
    ip: fc.oneof(fc.ipV4(), fc.ipV6(), stringValue),
    userAgent: stringValue,
    page: fc.record(
      {
        url: fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), stringValue),
        referrer: fc.oneof(fc.webUrl(), stringValue),
        search: stringValue,
      },
      { requiredKeys: [] },
    ),
    campaign: jsonObject,
    traits: jsonObject,
    library: jsonObject,
    extra: jsonValue,
  },
  { requiredKeys: [] },
);

/**
 * A call the spec accepts (every field of the right type; `event`, `groupId` and `previousId` always
 * there, so it is valid on every route) whose free-form parts — properties, traits, context, extra
 * fields — hold anything.
 */
const validCall = fc.record(
  {
    type: fc.constantFrom(...TYPES),
    event: stringValue.filter((s) => s.length > 0),
    userId: fc.oneof(validId, fc.constant(null)),
    anonymousId: validId,
    messageId: fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }),
    groupId: validId,
    previousId: validId,
    name: fc.oneof(stringValue, fc.constant(null)),
    category: fc.oneof(stringValue, fc.constant(null)),
    timestamp: stringValue,
    sentAt: stringValue,
    properties: jsonObject,
    traits: jsonObject,
    context,
    integrations: jsonObject,
    extra: jsonValue,
    'x-other': jsonValue,
  },
  { requiredKeys: ['type', 'event', 'anonymousId', 'groupId', 'previousId'] },
);

/** A call whose every field may hold any JSON value. */
const anyCall = fc.record(
  {
    type: fieldValue(fc.constantFrom(...TYPES)),
    event: fieldValue(stringValue),
    userId: fieldValue(id),
    anonymousId: fieldValue(id),
    messageId: fieldValue(stringValue),
    groupId: fieldValue(id),
    previousId: fieldValue(id),
    name: fieldValue(stringValue),
    timestamp: fieldValue(stringValue),
    properties: fieldValue(jsonObject),
    traits: fieldValue(jsonObject),
    context: fieldValue(context),
    writeKey: fieldValue(fc.constantFrom(WRITE_KEY, 'wrong-key')),
  },
  { requiredKeys: [] },
);

const batchOf = (calls: fc.Arbitrary<unknown>, field: <T>(a: fc.Arbitrary<T>) => fc.Arbitrary<unknown>) =>
  fc
    .record(
      {
        batch: field(fc.array(calls, { minLength: 1, maxLength: 5 })),
        sentAt: field(stringValue),
        context: field(jsonObject),
        writeKey: field(fc.constant(WRITE_KEY)),
      },
      { requiredKeys: ['batch'] },
    )
    .map(jsonTextOf);

const singleBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 3, arbitrary: validCall.map(jsonTextOf) },
  { weight: 1, arbitrary: anyCall.map(jsonTextOf) },
  // A valid call with one Latin-1 é (0xE9), as a client that ignores the charset sends it: not UTF-8.
  {
    weight: 1,
    arbitrary: validCall.map((call) =>
      Buffer.concat([
        Buffer.from('{"note":"Caf'),
        Buffer.from([0xe9]),
        Buffer.from(`",${jsonTextOf(call).slice(1)}`),
      ]),
    ),
  },
);
const batchBody = fc.oneof(
  { weight: 3, arbitrary: batchOf(validCall, (a) => a) },
  { weight: 1, arbitrary: batchOf(anyCall, fieldValue) },
);
const otherBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 1, arbitrary: jsonValue.map(jsonTextOf) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\ufeff{"anonymousId":"a","event":"e"}',
      '\ufeff\ufeff{}',
      '{"anonymousId":"a","event":"e"',
      '{"__proto__":{"x":1},"anonymousId":"a","event":"e"}',
      '{"constructor":{"prototype":{"x":1}},"anonymousId":"a","event":"e"}',
      '{"anonymousId":"a","event":"e","anonymousId":"b"}',
      '{"anonymousId":"a","event":"e","properties":{"n":1e400,"m":-0,"big":1180591620717411303424}}',
      '{"anonymousId":"a","event":"e\\u0000","properties":{"\\u0000":"\\u0000","\\ud800":"\\udc00"}}',
      `{"anonymousId":"a","event":"e","properties":${JSON.stringify(nested(63))}}`,
      `{"anonymousId":"a","event":"e","properties":${JSON.stringify(nested(64))}}`,
      `{"anonymousId":"a","event":"e","properties":${JSON.stringify(nested(200))}}`,
      '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
      'null',
      '1e400',
      '"just a string"',
    ),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
);

/** Header values HTTP allows: visible ASCII, space, tab and obs-text (0x80-0xff), any of them. */
const headerText = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x09), fc.integer({ min: 0x80, max: 0xff }))
    .map((c) => String.fromCharCode(c)),
  maxLength: 80,
});

const contentType = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'text/plain;charset=UTF-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset="garbage"',
      'APPLICATION/JSON',
      'application/json;;;',
      'application/json; boundary=x',
      'multipart/form-data',
      'application/octet-stream',
      'text/html',
      '*/*',
      ';',
      '',
    ),
  },
  { weight: 1, arbitrary: headerText },
);

type Coding = 'identity' | 'gzip' | 'deflate' | 'br';

const encoding: fc.Arbitrary<{ header?: string; apply: Coding }> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ apply: 'identity' as Coding }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<Coding>('gzip', 'deflate', 'br').chain((coding) =>
      fc.record({
        header: fc.constantFrom(
          coding,
          coding.toUpperCase(),
          ` ${coding} `,
          coding === 'gzip' ? 'x-gzip' : coding,
        ),
        apply: fc.constant(coding),
      }),
    ),
  },
  {
    weight: 2,
    // Declared, not applied (or applied twice, or a coding no one knows).
    arbitrary: fc.record({
      header: fc.constantFrom(
        'gzip',
        'deflate',
        'br',
        'identity',
        'gzip, deflate',
        'compress',
        'zstd',
        'garbage',
        '',
        ' ',
        'gzip;q=1',
      ),
      apply: fc.constantFrom<Coding>('identity', 'gzip', 'deflate'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ header: headerText, apply: fc.constant('identity' as Coding) }) },
);

const authorization = fc.oneof(
  { weight: 12, arbitrary: fc.constant(basicAuth(WRITE_KEY)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      basicAuth('wrong'),
      basicAuth(''),
      `Basic ${Buffer.from(WRITE_KEY).toString('base64')}`,
      `Basic ${Buffer.from(`${WRITE_KEY}:secret:x`).toString('base64')}`,
      'Basic',
      'Basic ',
      'Basic !!!!',
      'Basic \u00ff',
      `Bearer ${WRITE_KEY}`,
      `basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
      '',
    ),
  },
  { weight: 1, arbitrary: headerText },
);

function encode(raw: Buffer, coding: Coding): Buffer {
  switch (coding) {
    case 'gzip':
      return gzipSync(raw);
    case 'deflate':
      return deflateSync(raw);
    case 'br':
      return brotliCompressSync(raw);
    default:
      return raw;
  }
}

/** `value` with weight `present`, undefined with weight `absent`. */
const sometimes = <T>(value: fc.Arbitrary<T>, present = 1, absent = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: present, arbitrary: value }, { weight: absent, arbitrary: fc.constant(undefined) });

export const hostileRequest: fc.Arbitrary<HostileRequest> = fc
  .record({
    routed: fc.oneof(
      { weight: 6, arbitrary: fc.tuple(singleBody, routeFor(false)) },
      { weight: 4, arbitrary: fc.tuple(batchBody, routeFor(true)) },
      { weight: 2, arbitrary: fc.tuple(otherBody, routeFor(false)) },
    ),
    contentType: sometimes(contentType, 20),
    encoding,
    authorization: sometimes(authorization, 20),
    userAgent: sometimes(
      fc.oneof(
        headerText,
        fc.constantFrom(
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
          'curl/8',
        ),
      ),
    ),
    traceparent: sometimes(
      fc.oneof(headerText, fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')),
    ),
    forwardedFor: sometimes(fc.oneof(headerText, fc.ipV4(), fc.ipV6()), 1, 3),
    truncate: sometimes(fc.nat(), 1, 15),
  })
  .map((r) => {
    const [body, url] = r.routed;
    const plain = typeof body === 'string' ? Buffer.from(body) : body;
    let payload = encode(plain, r.encoding.apply);
    // Now and then the body is cut short: a broken upload, or a gzip stream without its end.
    if (r.truncate !== undefined && payload.length > 0)
      payload = payload.subarray(0, r.truncate % payload.length);
    const headers: Record<string, string> = {};
    if (r.contentType !== undefined) headers['content-type'] = r.contentType;
    if (r.encoding.header !== undefined) headers['content-encoding'] = r.encoding.header;
    if (r.authorization !== undefined) headers.authorization = r.authorization;
    if (r.userAgent !== undefined) headers['user-agent'] = r.userAgent;
    if (r.traceparent !== undefined) headers.traceparent = r.traceparent;
    if (r.forwardedFor !== undefined) headers['x-forwarded-for'] = r.forwardedFor;
    return { url, headers, body: payload, plain: r.encoding.apply === 'identity' ? payload : plain };
  });

/** For a failure report: the request with its body as text where it is text. */
export function describeRequest(request: HostileRequest): string {
  const { plain, ...sent } = request;
  return JSON.stringify({ ...sent, body: plain.toString('latin1').slice(0, 2000) });
}

/**
 * The collector's contract for one answer: 200 `{success: true}` with events published that can load,
 * or a 4xx with a message and nothing published. Throws otherwise.
 */
export function checkAnswer(
  answer: { statusCode: number; body: string },
  published: readonly { payload: string }[],
  checker: LoadableChecker,
  describe: () => string,
  /** The body as the collector reads it (after Content-Encoding), when known. */
  plain?: Buffer,
): void {
  const status = answer.statusCode;
  const context = () => `${status} ${answer.body.slice(0, 300)} for ${describe()}`;
  if (status === 200) {
    assert.deepEqual(JSON.parse(answer.body), { success: true }, context());
    assert.ok(published.length > 0, `200 without an event published: ${context()}`);
    // Bytes that are not UTF-8 can only be read by replacing them: the event stored would not be the one sent.
    if (plain !== undefined) assert.ok(isUtf8(plain), `200 for a body that is not UTF-8: ${context()}`);
    checker.check(published.map((m) => m.payload));
    return;
  }
  assert.ok(status >= 400 && status < 500, context());
  assert.equal(published.length, 0, `a refused request published events: ${context()}`);
  const { error } = JSON.parse(answer.body) as { error?: unknown };
  assert.ok(typeof error === 'string' && error.length > 0, `no message: ${context()}`);
}
