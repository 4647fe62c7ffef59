/**
 * The chaos suite's verdict: what the SDK was told (a 200, and a content hash per event) against what
 * the warehouse and the raw archive hold. `compare` is pure; `readWarehouse` and `readArchive` fetch
 * its inputs.
 */
import type { Config } from '@eventpipe/core';
import { query, s3Objects, SOURCE } from '../e2e/harness.js';
import { contentHash, sentContent, EVENT_TABLE, type ChaosEvent, type SentEvent } from './sdk.js';

export interface WarehouseRow {
  id: string;
  user_id: string;
  anonymous_id: string;
  event_text: string;
  original_timestamp: Date;
  seq: string;
  label: string;
  amount: number;
  flag: boolean;
  nested_depth: string;
  uuid_ts: Date;
}

export interface Warehouse {
  /** The event table's rows: every content column and the load time. */
  rows: WarehouseRow[];
  /** Rows per id in `<source>.tracks`. */
  trackCounts: Map<string, number>;
  deadLetters: number;
}

/** One raw archive object: the message ids and content hashes of its lines. */
export interface ArchiveObject {
  key: string;
  events: { id: string; hash: string }[];
}

export function rowHash(row: WarehouseRow): string {
  return contentHash({
    id: row.id,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    event: row.event_text,
    timestamp: row.original_timestamp.toISOString(),
    seq: String(row.seq),
    label: row.label,
    amount: String(row.amount),
    flag: String(row.flag),
    nestedDepth: row.nested_depth,
  });
}

export interface Verdict {
  sent: number;
  acknowledged: number;
  /** Sent events the warehouse holds, acknowledged or not (a 200 lost on the way still loads). */
  loaded: number;
  /** Acknowledged events missing from the event table or from `tracks`. */
  missing: string[];
  /** Events with more than one row in either table. */
  duplicates: string[];
  /** Rows whose content is not what was sent. */
  changed: string[];
  /** Rows with an id the SDK never sent. */
  unknown: string[];
  /** Refused with a 4xx other than 429: these events are valid, so that is a bug too. */
  rejected: string[];
  archive: {
    objects: number;
    /** Acknowledged events in no raw object. */
    missing: string[];
    /** An event twice in one object (one batch). */
    duplicatesInBatch: string[];
    /** Archived lines whose event differs from what was sent. */
    changed: string[];
    /** Events archived by more than one batch: a batch re-formed after a redelivery. Allowed. */
    inSeveralBatches: number;
  };
  /** Epoch ms each loaded event reached the warehouse (`uuid_ts`, the loading transaction's start). */
  loadedAt: Map<string, number>;
}

export function compare(
  sent: ReadonlyMap<string, SentEvent>,
  warehouse: Warehouse,
  archive: ArchiveObject[],
): Verdict {
  const rowsById = new Map<string, WarehouseRow[]>();
  for (const row of warehouse.rows) rowsById.set(row.id, [...(rowsById.get(row.id) ?? []), row]);
  const acked = [...sent.values()].filter((e) => e.ackedAt !== undefined);

  const batchesById = new Map<string, number>();
  const archiveDuplicates = new Set<string>();
  const archiveChanged = new Set<string>();
  for (const object of archive) {
    const seen = new Set<string>();
    for (const { id, hash } of object.events) {
      if (seen.has(id)) archiveDuplicates.add(id);
      seen.add(id);
      batchesById.set(id, (batchesById.get(id) ?? 0) + 1);
      if (sent.get(id)?.hash !== hash) archiveChanged.add(id);
    }
  }

  const loadedAt = new Map<string, number>();
  for (const [id, rows] of rowsById) loadedAt.set(id, rows[0]!.uuid_ts.getTime());
  return {
    sent: sent.size,
    acknowledged: acked.length,
    loaded: [...rowsById.keys()].filter((id) => sent.has(id)).length,
    missing: acked.filter((e) => !rowsById.has(e.id) || !warehouse.trackCounts.has(e.id)).map((e) => e.id),
    duplicates: [
      ...new Set([
        ...[...rowsById].filter(([, rows]) => rows.length > 1).map(([id]) => id),
        ...[...warehouse.trackCounts].filter(([, n]) => n > 1).map(([id]) => id),
      ]),
    ],
    changed: warehouse.rows
      .filter((r) => sent.has(r.id) && sent.get(r.id)!.hash !== rowHash(r))
      .map((r) => r.id),
    unknown: [...new Set([...rowsById.keys(), ...warehouse.trackCounts.keys()])].filter(
      (id) => !sent.has(id),
    ),
    rejected: [...sent.values()].filter((e) => e.rejected !== undefined).map((e) => `${e.id}: ${e.rejected}`),
    archive: {
      objects: archive.length,
      missing: acked.filter((e) => !batchesById.has(e.id)).map((e) => e.id),
      duplicatesInBatch: [...archiveDuplicates],
      changed: [...archiveChanged],
      inSeveralBatches: [...batchesById.values()].filter((n) => n > 1).length,
    },
    loadedAt,
  };
}

export async function readWarehouse(url: string, metaSchema: string): Promise<Warehouse> {
  const schema = `"${SOURCE}"`;
  const rows = await query<WarehouseRow>(
    url,
    `SELECT id, user_id, anonymous_id, event_text, original_timestamp, seq, label, amount, flag,
            nested_depth, uuid_ts
       FROM ${schema}."${EVENT_TABLE}"`,
  );
  const tracks = await query<{ id: string; n: number }>(
    url,
    `SELECT id, count(*)::int AS n FROM ${schema}.tracks GROUP BY id`,
  );
  const [dead] = await query<{ n: number }>(
    url,
    `SELECT count(*)::int AS n FROM "${metaSchema}".dead_letters`,
  );
  return { rows, trackCounts: new Map(tracks.map((t) => [t.id, t.n])), deadLetters: dead!.n };
}

export async function readArchive(config: Config): Promise<ArchiveObject[]> {
  const objects = await s3Objects(config, `raw/${SOURCE}/`);
  return objects.map(({ key, lines }) => ({
    key,
    events: lines.map((line) => {
      const envelope = JSON.parse(line) as { messageId: string; event: ChaosEvent };
      return { id: envelope.messageId, hash: contentHash(sentContent(envelope.event)) };
    }),
  }));
}
