/**
 * Stages a batch in S3: the raw envelopes (the archive, source of truth for replays) and the rows
 * per table (what Redshift COPYs from). Keys derive from the batch id, so a redelivered batch
 * rewrites its own objects instead of adding copies.
 *
 *   raw/<source>/dt=YYYY-MM-DD/hh=HH/<batchId>.ndjson.gz    one envelope per line, as consumed
 *   load/<source>/<table>/<batchId>.ndjson.gz               one row per line
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Config, Logger } from '@eventpipe/core';
import type { Row, SourceBatch } from './transform/types.js';
import { jsonText } from './transform/values.js';

const gzip = promisify(gzipCallback);

/** `''` → `''`, `a` and `a/` → `a/`. */
function normalisePrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** The archive key of a batch's envelopes from one source; the hour is the first envelope's (UTC). */
export function rawKey(prefix: string, sourceId: string, receivedAt: string, batchId: string): string {
  const at = new Date(receivedAt).toISOString();
  return `${normalisePrefix(prefix)}raw/${sourceId}/dt=${at.slice(0, 10)}/hh=${at.slice(11, 13)}/${batchId}.ndjson.gz`;
}

export function rowsKey(prefix: string, sourceId: string, table: string, batchId: string): string {
  return `${normalisePrefix(prefix)}load/${sourceId}/${table}/${batchId}.ndjson.gz`;
}

const NEWLINE = 0x0a;

/**
 * One raw message per line: its bytes exactly as consumed (no copy, no decoding). A line break in
 * valid JSON can only be whitespace between tokens (inside a string it must be escaped), so one is
 * replaced by a space: the same JSON, every other byte, number digits included, as the client sent.
 */
export function ndjsonLine(data: Uint8Array): Uint8Array {
  if (!data.includes(NEWLINE)) return data;
  return Buffer.from(data).map((byte) => (byte === NEWLINE ? 0x20 : byte));
}

const NEWLINE_BYTES = Buffer.from('\n');

/** Lines joined into one NDJSON body, each line ended by a newline, in one allocation. */
export function ndjsonBody(lines: readonly Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const line of lines) {
    parts.push(line, NEWLINE_BYTES);
    length += line.byteLength + 1;
  }
  return Buffer.concat(parts, length);
}

export function s3ClientConfig(s3: Config['s3']): S3ClientConfig {
  const credentials =
    s3.accessKeyId && s3.secretAccessKey
      ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
      : undefined; // the SDK's default chain: env, web identity (IRSA), instance profile
  return {
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: s3.forcePathStyle,
    credentials,
    // S3-compatible servers (s3rver, some MinIO versions) mishandle the SDK's default streaming
    // checksums: s3rver stores the aws-chunked framing inside the object. Only ask for checksums
    // where the API requires them when talking to anything but AWS itself.
    ...(s3.endpoint
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
    // Fail a hung request so the pipeline's retry takes over instead of waiting forever.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  };
}

/** Rows as NDJSON (exact numbers with their digits), concatenated directly (no array of lines to join). */
export function ndjsonRows(rows: readonly Row[]): string {
  let body = '';
  for (const row of rows) body += jsonText(row) + '\n';
  return body;
}

export interface RawGroup {
  sourceId: string;
  /** receivedAt of the group's first envelope: it names the dt/hh partition. */
  receivedAt: string;
  /** The messages' bytes, one line each (see `ndjsonLine`). */
  lines: Uint8Array[];
}

export interface Stager {
  /** Creates the bucket when it is missing and S3 is an explicit endpoint (dev, tests). */
  ensureBucket(): Promise<void>;
  /** Archives the raw envelopes, one object per source. Returns the keys written. */
  stageRaw(batchId: string, groups: RawGroup[]): Promise<string[]>;
  /** Writes one rows file per table; returns the keys by `<schema>.<table>`. */
  stageRows(batchId: string, sources: SourceBatch[]): Promise<Record<string, string>>;
  /** Writes one object as it is (not compressed): COPY manifests, dead-letter envelopes. */
  put(key: string, body: string, contentType: string): Promise<void>;
  close(): void;
}

/** CreateBucket's answers when the bucket is there already (someone else's on AWS, usable or not). */
const BUCKET_EXISTS = new Set(['BucketAlreadyExists', 'BucketAlreadyOwnedByYou']);

/** Objects written at once per batch; more only queues sockets. */
const UPLOAD_CONCURRENCY = 8;

export function createStager(s3: Config['s3'], log: Logger): Stager {
  const client = new S3Client(s3ClientConfig(s3));

  // gzip runs on libuv's thread pool, off the event loop; the body is released once compressed.
  const put = async (key: string, body: () => string | Buffer) => {
    const compressed = await gzip(body());
    // lib-storage switches to a multipart upload for bodies above one part (5 MiB).
    await new Upload({
      client,
      params: { Bucket: s3.bucket, Key: key, Body: compressed, ContentType: 'application/gzip' },
    }).done();
  };

  /** Uploads `files` a few at a time; each body is built only when its upload starts. */
  const putAll = async (files: { key: string; body: () => string | Buffer }[]) => {
    for (let i = 0; i < files.length; i += UPLOAD_CONCURRENCY) {
      await Promise.all(files.slice(i, i + UPLOAD_CONCURRENCY).map((f) => put(f.key, f.body)));
    }
  };

  return {
    async ensureBucket() {
      if (!s3.endpoint) return;
      try {
        await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'NotFound') throw error;
        try {
          await client.send(new CreateBucketCommand({ Bucket: s3.bucket }));
          log.info({ bucket: s3.bucket, endpoint: s3.endpoint }, 'created S3 bucket');
        } catch (createError) {
          // Loaders starting together race to create it; the one that lost finds it made, which is
          // what it wanted, provided it may use it (the HEAD says so, or throws what it may not do).
          if (!BUCKET_EXISTS.has((createError as { name?: string }).name ?? '')) throw createError;
          await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
        }
      }
    },

    async stageRaw(batchId, groups) {
      const files = groups.map((g) => ({
        key: rawKey(s3.prefix, g.sourceId, g.receivedAt, batchId),
        body: () => ndjsonBody(g.lines),
      }));
      await putAll(files);
      return files.map((f) => f.key);
    },

    async stageRows(batchId, sources) {
      const files = sources.flatMap((source) =>
        source.tables.map((table) => ({
          name: `${source.schema}.${table.table}`,
          key: rowsKey(s3.prefix, source.sourceId, table.table, batchId),
          body: () => ndjsonRows(table.rows),
        })),
      );
      await putAll(files);
      return Object.fromEntries(files.map((f) => [f.name, f.key]));
    },

    async put(key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },

    close() {
      client.destroy();
    },
  };
}
