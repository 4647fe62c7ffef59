/**
 * Request bodies, as the SDKs really send them:
 * - `application/json` (Segment's server SDKs, curl),
 * - `text/plain` holding JSON (`@segment/analytics-next` in the browser),
 * - `application/x-www-form-urlencoded` holding *gzip-compressed JSON* (`@rudderstack/rudder-sdk-node`
 *   mislabels its body this way),
 * each optionally with `Content-Encoding: gzip | deflate | br`.
 *
 * The text must be UTF-8, as JSON between systems must be (RFC 8259): bytes that are not, or a
 * `charset` other than UTF-8, are refused, since reading them as UTF-8 would replace characters and
 * store an event other than the one sent.
 *
 * Limits hold on both sides of decompression, so a small gzip bomb cannot expand into memory, and
 * absurdly nested JSON is refused before it is parsed. `__proto__` and `constructor.prototype` keys
 * are refused as fastify's own JSON parser does, so no later step that copies properties by key can
 * be turned into prototype pollution.
 */
import { isUtf8 } from 'node:buffer';
import { promisify } from 'node:util';
import { gunzip, inflate, brotliDecompress, type InputType, type ZlibOptions } from 'node:zlib';
import secureJson from 'secure-json-parse';
import { mayHoldInexactNumber, parseJson } from '@eventpipe/core';
import { HttpError } from './errors.js';

/** The content types whose body is read as JSON text. */
export const JSON_CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];

/** No Segment call needs more: context and properties are a few levels deep. */
export const MAX_NESTING_DEPTH = 64;

type Decompress = (input: InputType, options: ZlibOptions) => Promise<Buffer>;

const decoders: Record<string, Decompress> = {
  gzip: promisify(gunzip) as Decompress,
  'x-gzip': promisify(gunzip) as Decompress,
  deflate: promisify(inflate) as Decompress,
  br: promisify(brotliDecompress) as Decompress,
};

export function tooLarge(maxRequestBytes: number): HttpError {
  return new HttpError(413, `request body is larger than the limit of ${maxRequestBytes} bytes`);
}

/** A 415 when `Content-Type` declares a charset other than UTF-8; undefined when it is fine. */
export function charsetProblem(contentType: string | undefined): HttpError | undefined {
  const declared = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '');
  const charset = declared?.[1]?.toLowerCase();
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return undefined;
  return new HttpError(
    415,
    `unsupported charset "${charset}": send the JSON as UTF-8 (charset=utf-8 or none)`,
  );
}

/** The body as text; a 400 when its bytes are not UTF-8. */
export function utf8Text(body: Buffer): string {
  if (!isUtf8(body)) throw new HttpError(400, 'request body is not valid UTF-8: send the JSON as UTF-8 text');
  return body.toString('utf8');
}

/** True when the body is sent as is: no `Content-Encoding`, or `identity`. */
export function isIdentityEncoding(contentEncoding: string | undefined): boolean {
  if (contentEncoding === undefined) return true;
  const coding = contentEncoding.trim().toLowerCase();
  return coding === 'identity' || coding === '';
}

/** Undoes `Content-Encoding`, refusing output larger than `maxBytes` (413) and unknown codings (415). */
export async function decodeBody(
  raw: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  if (isIdentityEncoding(contentEncoding)) return raw;
  const coding = contentEncoding!.trim().toLowerCase();
  const decode = decoders[coding];
  if (!decode) {
    throw new HttpError(415, `unsupported Content-Encoding "${coding}": send gzip, deflate, br or none`);
  }
  try {
    return await decode(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw new HttpError(400, `request body is not valid ${coding} data: ${(error as Error).message}`);
  }
}

/** How many times `char` occurs in `text`, counting no further than `limit + 1`. */
function occurrences(text: string, char: string, limit: number): number {
  let count = 0;
  for (let at = text.indexOf(char); at !== -1 && count <= limit; at = text.indexOf(char, at + 1)) count++;
  return count;
}

/**
 * True when objects/arrays nest deeper than `maxDepth`. A single pass over the text (brackets inside
 * strings do not count), so a hostile body costs no more than reading it. A text that opens no more
 * than `maxDepth` brackets in all cannot nest deeper, and the usual single event opens a dozen:
 * counting them with `indexOf` costs a tenth of the character-by-character pass it skips.
 */
export function nestingExceeds(text: string, maxDepth: number): boolean {
  const braces = occurrences(text, '{', maxDepth);
  if (braces + occurrences(text, '[', maxDepth - braces) <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/**
 * A parsed request body with the text it was parsed from: a single call's text is reused as its
 * stored serialisation instead of serialising the parsed call a second time, so `text` must be exactly
 * what `value` was parsed from.
 */
export interface JsonBody {
  value: unknown;
  text: string;
  /**
   * The text has a number a double cannot hold (`1234567890123456789`, `1e400`): `value` holds it as a
   * `LosslessNumber`, and anything serialised from `value` must use core's `stringifyJson` so that the
   * client's digits are what is stored. False for usual bodies, which take the native parser.
   */
  lossless: boolean;
}

const BYTE_ORDER_MARK = 0xfeff;

/**
 * Decoded body text → value and the text it was parsed from; every failure is a 4xx naming the problem.
 * A leading byte-order mark is accepted (some HTTP clients write one) and cut from the text as well as
 * before parsing: JSON text with a BOM is not JSON to the loader.
 */
export function parseJsonBody(received: string): JsonBody {
  const text = received.charCodeAt(0) === BYTE_ORDER_MARK ? received.slice(1) : received;
  // secure-json-parse would cut a second mark as well, and the text kept would then still start with one.
  if (text.charCodeAt(0) === BYTE_ORDER_MARK) {
    throw new HttpError(400, 'request body is not valid JSON: it starts with two byte-order marks');
  }
  if (text.trim() === '') throw new HttpError(400, 'request body is empty: send a JSON object');
  if (nestingExceeds(text, MAX_NESTING_DEPTH)) {
    throw new HttpError(400, `request body nests JSON deeper than ${MAX_NESTING_DEPTH} levels`);
  }
  try {
    // The native parse also refuses prototype keys; a body with an inexact number is read again,
    // keeping its digits.
    const value: unknown = secureJson.parse(text);
    if (!mayHoldInexactNumber(text)) return { value, text, lossless: false };
    return { value: parseJson(text), text, lossless: true };
  } catch (error) {
    const message = (error as Error).message;
    if (/forbidden/.test(message)) {
      throw new HttpError(
        400,
        `request body refused: ${message} ("__proto__" or "constructor.prototype" key)`,
      );
    }
    throw new HttpError(400, `request body is not valid JSON: ${message}`);
  }
}
