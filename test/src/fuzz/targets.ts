/**
 * The fuzz targets: the collector's request handling (route, headers, decoding, parsing, validation,
 * envelope) and the loader's transform (decode → enrich → transform → plan → SQL and COPY text).
 * Both assert what the property tests assert, so any input the fuzzer finds is a bug, not noise.
 */
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { createLogger, loadConfig } from '@eventpipe/core';
import { buildApp, type OutgoingMessage } from '@eventpipe/collector';
import { basicAuth, checkAnswer, WRITE_KEY } from '../properties/collector-input.js';
import { loadableChecker, type LoadableChecker } from '../properties/loadable.js';
import type { FuzzTarget } from './engine.js';

const TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
const ROUTES = [...TYPES.flatMap((t) => [`/v1/${t}`, `/v1/${t[0]}`]), '/v1/batch', '/v1/import', '/v1/b'];
const CONTENT_TYPES = [
  'application/json',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  undefined,
  'application/octet-stream',
];
/** The Content-Encoding header sent, and whether the fuzzer compresses the body so (to reach the JSON behind it). */
const ENCODINGS: { header?: string; apply?: (data: Buffer) => Buffer }[] = [
  {},
  { header: 'gzip', apply: gzipSync },
  { header: 'deflate', apply: deflateSync },
  { header: 'br', apply: brotliCompressSync },
  { header: 'gzip' },
  { header: 'deflate' },
  { header: 'br' },
  { header: 'identity' },
  { header: 'x-gzip', apply: gzipSync },
  { header: 'zstd' },
];
const AUTHORIZATIONS = [
  basicAuth(WRITE_KEY),
  undefined,
  basicAuth('wrong'),
  'Basic !!',
  `Bearer ${WRITE_KEY}`,
];

const JSON_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  '\\u0000',
  '\\ud800',
  '\\udc00',
  '\\ud83d\\ude00',
  'null',
  'true',
  'false',
  '1e400',
  '-0',
  '1180591620717411303424',
  '9007199254740993',
  '0.1000000000000000000001',
  '1E+308',
  '"__proto__"',
  '"constructor"',
  '"prototype"',
  '"select"',
  '"user"',
  '"Order ID"',
  '"order_id"',
  '"id"',
  '"received_at"',
  '"_rejected"',
  '"uuid_ts"',
  '"properties"',
  '"traits"',
  '"context"',
  '"batch"',
  '"type"',
  '"event"',
  '"userId"',
  '"anonymousId"',
  '"messageId"',
  '"groupId"',
  '"previousId"',
  '"timestamp"',
  '"sentAt"',
  '"writeKey"',
  '"integrations"',
  '"ip"',
  '"userAgent"',
  '"page"',
  '"url"',
  '"referrer"',
  '"campaign"',
  '"utm_source"',
  '"track"',
  '"identify"',
  '"2024-05-01T10:00:00Z"',
  '"+275760-09-13T00:00:00Z"',
  '"http://a.b/?utm_source=x&utm_medium=y"',
  '"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"',
  '"127.0.0.1"',
  '"::1"',
  '\ufeff',
  '{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}}',
];

/** `{status, body}` of an inject answer, and the events published while it ran. */
export function requestTarget(): FuzzTarget {
  let checker: LoadableChecker;
  let published: OutgoingMessage[] = [];
  const app = buildApp({
    config: loadConfig(
      {},
      { sources: [{ id: 'web', writeKeys: [WRITE_KEY] }], collector: { trustedProxies: ['127.0.0.1'] } },
    ),
    log: createLogger('collector', 'silent'),
    publish: async (messages) => {
      published.push(...messages);
      return { stored: messages.length, duplicates: 0 };
    },
    readiness: async () => ({ ready: true }),
  });
  return {
    name: 'request',
    covers: ['/collector/dist/', '/core/dist/', '/lossless-json/', '/secure-json-parse/'],
    dictionary: JSON_TOKENS,
    async setup() {
      checker = await loadableChecker();
      await app.ready();
    },
    async run(data) {
      // Four header bytes choose the route, Content-Type, Content-Encoding and Authorization; the rest is the body.
      const pick = <T>(list: readonly T[], at: number): T => list[(data[at] ?? 0) % list.length]!;
      const url = pick(ROUTES, 0);
      const contentType = pick(CONTENT_TYPES, 1);
      const encoding = pick(ENCODINGS, 2);
      const authorization = pick(AUTHORIZATIONS, 3);
      const raw = data.subarray(4);
      const body = encoding.apply ? encoding.apply(raw) : raw;
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers['content-type'] = contentType;
      if (encoding.header !== undefined) headers['content-encoding'] = encoding.header;
      if (authorization !== undefined) headers.authorization = authorization;
      published = [];
      const answer = await app.inject({ method: 'POST', url, headers, payload: body });
      checkAnswer(answer, published, checker, () =>
        JSON.stringify({ url, headers, body: raw.toString('latin1') }),
      );
    },
    teardown: () => app.close(),
  };
}

/**
 * The input, after a type byte, is the `event` of an envelope exactly as NATS delivers it: anything the
 * collector might let through, and more, since the loader must not trust the stream either. Inputs
 * that do not decode as an envelope are dead letters by design and skipped.
 */
export function transformTarget(): FuzzTarget {
  let checker: LoadableChecker;
  return {
    name: 'transform',
    covers: [
      '/loader/dist/transform/',
      '/loader/dist/schema/',
      '/loader/dist/enrich/',
      '/loader/dist/load/',
      '/core/dist/json',
    ],
    dictionary: JSON_TOKENS,
    async setup() {
      checker = await loadableChecker();
    },
    run(data) {
      const type = TYPES[(data[0] ?? 0) % TYPES.length];
      const event = data.subarray(1).toString('utf8');
      const envelope =
        `{"v":1,"sourceId":"fuzz","type":"${type}","messageId":"m-1","receivedAt":"2024-05-01T10:00:00.000Z",` +
        `"ip":"203.0.113.9","event":${event}}`;
      if (!checker.decodes(envelope)) return;
      checker.check([envelope]);
    },
  };
}

export const TARGETS: Record<string, () => FuzzTarget> = {
  request: requestTarget,
  transform: transformTarget,
};
