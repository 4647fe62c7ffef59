/**
 * Write keys → source ids. A key arrives as the HTTP Basic username (Segment's server SDKs,
 * RudderStack) or as `writeKey` in the body (the browser SDK's `text/plain` calls).
 *
 * Keys are compared as SHA-256 digests with `timingSafeEqual`, against every configured key without
 * stopping at the first match, so the answer time says nothing about how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Source } from '@eventpipe/core';
import { HttpError } from './errors.js';

export type Authenticate = (authorization: string | undefined, bodyWriteKey: unknown) => string;

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
  return (authorization, bodyWriteKey) => {
    const presented =
      basicUsername(authorization) || (typeof bodyWriteKey === 'string' ? bodyWriteKey : undefined);
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
    return sourceId;
  };
}
