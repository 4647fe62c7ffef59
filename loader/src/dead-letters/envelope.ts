/**
 * A dead letter's envelope as JSON text. Most are in their row; one too large for a Redshift row is in
 * S3 and its row holds a reference (`StoredEnvelope`, see load/redshift/dead-letters.ts), which is
 * fetched and checked against the size and SHA-256 the row recorded.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StoredEnvelope } from '../load/redshift/dead-letters.js';

/** Reads an object by its `s3://bucket/key` URL. */
export type FetchStored = (url: string) => Promise<string>;

/** `s3://bucket/key` → its parts; undefined for anything else. */
export function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}

/** Reads the objects a row references with `client` (opened by `open` on first use). */
export function fetchFromS3(open: () => S3Client): FetchStored {
  return async (url) => {
    const location = parseS3Url(url);
    if (!location) throw new Error(`not an S3 URL: ${url}`);
    const object = await open().send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return object.Body!.transformToString('utf8');
  };
}

/** The reference a row holds instead of an envelope too large for it, if `value` is one. */
export function storedEnvelope(value: unknown): StoredEnvelope | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v).sort().join(',');
  return keys === 'bytes,sha256,stored_at' &&
    typeof v.stored_at === 'string' &&
    parseS3Url(v.stored_at) !== undefined &&
    typeof v.bytes === 'number' &&
    typeof v.sha256 === 'string'
    ? (v as unknown as StoredEnvelope)
    : undefined;
}

/**
 * The envelope's JSON text: the row's, or the S3 object it references (`storedAt` says which).
 * Throws when the object is not the one the row recorded (size or SHA-256 differ).
 */
export async function resolveEnvelope(
  rowJson: string,
  fetchStored: FetchStored,
): Promise<{ json: string; storedAt?: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rowJson);
  } catch {
    return { json: rowJson };
  }
  const stored = storedEnvelope(parsed);
  if (!stored) return { json: rowJson };
  const json = await fetchStored(stored.stored_at);
  const bytes = Buffer.byteLength(json, 'utf8');
  const sha256 = createHash('sha256').update(json).digest('hex');
  if (bytes !== stored.bytes || sha256 !== stored.sha256) {
    throw new Error(
      `the envelope stored at ${stored.stored_at} is not the one dead-lettered ` +
        `(${bytes} bytes, sha256 ${sha256}; the row recorded ${stored.bytes} bytes, sha256 ${stored.sha256})`,
    );
  }
  return { json, storedAt: stored.stored_at };
}
