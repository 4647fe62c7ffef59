/**
 * Write keys → source ids. A key arrives as the HTTP Basic username (Segment's server SDKs,
 * RudderStack) or as `writeKey` in the body (the browser SDK's `text/plain` calls).
 *
 * Keys are compared as SHA-256 digests with `timingSafeEqual`, against every configured key without
 * stopping at the first match, so the answer time says nothing about how much of a guess was right.
 * An `Authorization` header once verified is remembered (a hash-map hit costs nothing that depends on
 * a guess's likeness to a key): a SHA-256 per request showed in the single-event profile.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Source } from '@eventpipe/core';
import { HttpError } from './errors.js';

export type Authenticate = (authorization: string | undefined, bodyWriteKey: unknown) => string;

const MAX_VERIFIED_HEADERS = 1_000;

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** The username of an `Authorization: Basic base64(user:password)` header, or undefined. */
export function basicUsername(authorization: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

/** Returns a function that yields the request's source id, or throws a 401 saying why not. */
export function createAuthenticator(sources: readonly Source[]): Authenticate {
  const keys = sources.flatMap((source) =>
    source.writeKeys.map((key) => ({ digest: digest(key), sourceId: source.id })),
  );
  /** Verified headers → source id. Bounded: the ignored password part can vary without end. */
  const verified = new Map<string, string>();
  return (authorization, bodyWriteKey) => {
    const known = authorization === undefined ? undefined : verified.get(authorization);
    if (known !== undefined) return known;
    const headerKey = basicUsername(authorization);
    const presented = headerKey || (typeof bodyWriteKey === 'string' ? bodyWriteKey : undefined);
    if (!presented) {
      throw new HttpError(
        401,
        'missing write key: send it as the HTTP Basic username (Authorization: Basic base64("<writeKey>:")) or as "writeKey" in the JSON body',
      );
    }
    const candidate = digest(presented);
    let sourceId: string | undefined;
    for (const key of keys) {
      if (timingSafeEqual(key.digest, candidate)) sourceId = key.sourceId;
    }
    if (sourceId === undefined) throw new HttpError(401, 'unknown write key');
    if (headerKey) {
      if (verified.size >= MAX_VERIFIED_HEADERS) verified.clear();
      verified.set(authorization!, sourceId);
    }
    return sourceId;
  };
}
