/**
 * Reading the raw archive back: which objects hold a source's envelopes for a range of days, and the
 * envelopes inside one object. The archive layout is the stager's (`raw/<source>/dt=…/hh=…/…`),
 * listed day by day so a month's replay never lists other days or other sources.
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { decodeEnvelope, type Envelope } from '@eventpipe/core';
import { rawKey } from '../stage.js';

const gunzip = promisify(gunzipCallback);
const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Every `YYYY-MM-DD` from `from` to `to`, both included (UTC days). */
export function daysInRange(from: string, to: string): string[] {
  for (const [name, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      throw new Error(`${name}: "${value}" is not a date (YYYY-MM-DD)`);
    }
  }
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw new Error(`--to ${to} is before --from ${from}`);
  const days: string[] = [];
  for (let t = start; t <= end; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** `raw/<source>/dt=<day>/`, derived from the stager's own key function so the two never drift. */
export function dayPrefix(prefix: string, sourceId: string, day: string): string {
  const key = rawKey(prefix, sourceId, `${day}T00:00:00Z`, 'x');
  return key.slice(0, key.indexOf('/hh=') + 1);
}

export interface ArchiveObject {
  key: string;
  size: number;
}

/** The archive objects of `sourceId` from `from` to `to`, in key order (day, hour, batch id). */
export async function listArchive(
  client: S3Client,
  bucket: string,
  prefix: string,
  sourceId: string,
  from: string,
  to: string,
): Promise<ArchiveObject[]> {
  const objects: ArchiveObject[] = [];
  for (const day of daysInRange(from, to)) {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: dayPrefix(prefix, sourceId, day),
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key?.endsWith('.ndjson.gz')) objects.push({ key: o.Key, size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** An envelope of the archive and where it is: the object's key and the line (from 1). */
export interface ArchivedEnvelope {
  envelope: Envelope;
  key: string;
  line: number;
}

/**
 * The envelopes of one archive object. A line that does not decode is an error naming the object
 * and line: the archive is the source of truth, so a damaged one must be looked at, not skipped.
 */
export function parseArchive(key: string, text: string): ArchivedEnvelope[] {
  const envelopes: ArchivedEnvelope[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const decoded = decodeEnvelope(Buffer.from(line));
    if (!decoded.ok) throw new Error(`${key} line ${index + 1}: ${decoded.reason}`);
    envelopes.push({ envelope: decoded.envelope, key, line: index + 1 });
  });
  return envelopes;
}

export async function readArchiveObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<ArchivedEnvelope[]> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  const text = (await gunzip(await object.Body.transformToByteArray())).toString('utf8');
  return parseArchive(key, text);
}
