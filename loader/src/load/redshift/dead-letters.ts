/**
 * Dead letters whose envelope Redshift cannot take in a row. `dead_letters.envelope` is SUPER, filled
 * by `JSON_PARSE` of a VARCHAR parameter, and a VARCHAR holds at most 65,535 bytes; a larger envelope
 * would fail the insert, and with it the dead-lettering of the whole group. Such an envelope is written
 * whole to S3, beside the batch archives, and the row holds a reference to that object instead.
 *
 * Why not cap the event size at start-up instead: dead letters also hold messages that never decoded
 * and messages read back after max deliveries, whose size no collector setting bounds, and an envelope
 * adds the collector's own fields to the event.
 */
import { createHash } from 'node:crypto';
import type { Stager } from '../../stage.js';
import type { DeadLetter, Warehouse } from '../warehouse.js';
import { s3Url } from './manifest.js';

/** The most bytes of JSON text `JSON_PARSE` can read from a VARCHAR. */
export const MAX_ENVELOPE_JSON_BYTES = 65_535;

/** What `dead_letters.envelope` holds for an envelope stored in S3. */
export interface StoredEnvelope {
  stored_at: string;
  bytes: number;
  sha256: string;
}

/**
 * `<prefix>dead-letters/<source>/<origin>/<stream sequence>.json`: one object per message, so a message
 * dead-lettered again overwrites its own object with the same bytes, and a re-created stream (whose
 * sequences start again at 1) never overwrites the object of an earlier dead letter.
 */
export function deadLetterKey(
  prefix: string,
  entry: Pick<DeadLetter, 'sourceId' | 'origin' | 'streamSequence'>,
): string {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const source = encodeURIComponent(entry.sourceId);
  return `${base}dead-letters/${source}/${encodeURIComponent(entry.origin)}/${entry.streamSequence}.json`;
}

export interface EnvelopeStore {
  bucket: string;
  prefix: string;
  put(key: string, body: string): Promise<unknown>;
}

/** `entry` unchanged when its envelope fits a row, else with the envelope written to `store` and referenced. */
export async function fitDeadLetter(entry: DeadLetter, store: EnvelopeStore): Promise<DeadLetter> {
  const json = JSON.stringify(entry.envelope) ?? 'null';
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= MAX_ENVELOPE_JSON_BYTES) return entry;
  const key = deadLetterKey(store.prefix, entry);
  await store.put(key, json);
  const stored: StoredEnvelope = {
    stored_at: s3Url(store.bucket, key),
    bytes,
    sha256: createHash('sha256').update(json).digest('hex'),
  };
  return { ...entry, envelope: stored };
}

/** `warehouse` whose dead letters with envelopes too large for a Redshift row are stored in S3. */
export function withStoredEnvelopes(
  warehouse: Warehouse,
  stager: Pick<Stager, 'put'>,
  location: { bucket: string; prefix: string },
): Warehouse {
  const store: EnvelopeStore = {
    ...location,
    put: (key, body) => stager.put(key, body, 'application/json'),
  };
  return {
    ...warehouse,
    deadLetter: async (entries) =>
      warehouse.deadLetter(await Promise.all(entries.map((entry) => fitDeadLetter(entry, store)))),
  };
}
