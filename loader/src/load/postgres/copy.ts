/**
 * Rows into the staging table with `COPY … FROM STDIN` (pg-copy-streams): one COPY per table per
 * batch, written in ~64 KiB chunks with backpressure, so memory stays flat and no row costs a round trip.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CopyTarget } from '../dialect.js';
import { copyChunks } from './copy-text.js';
import { copyFromStdin } from './sql.js';

export async function copyRows(client: ClientBase, { staging, table }: CopyTarget): Promise<void> {
  const copy = client.query(copyFrom(copyFromStdin(staging, table.columns)));
  await pipeline(Readable.from(copyChunks(table.rows, table.columns)), copy);
}
