/**
 * Redrive: dead letters go back through the loader once their cause is fixed. Each is published again
 * to the stream, on its event's subject, exactly as it was stored; the loader then loads it like any
 * other message. A dead letter is recorded as redriven only after its message was stored by JetStream
 * (the PubAck), so a crash or an outage in between leaves it pending, and redriving it again is
 * harmless: the stream drops a repeat publish within its duplicate window (`Nats-Msg-Id`), and past
 * it the warehouse's merge skips an id already loaded, so the event stays one row.
 *
 * What cannot go back is said, not hidden: a message that never decoded into an envelope, and a
 * max-deliveries dead letter whose message the stream no longer held, are skipped with the reason.
 */
import { decodeEnvelope, eventSubject } from '@eventpipe/core';
import type { DeadLetterEntry, DeadLetterStore } from './store.js';
import { DEAD_LETTER_ID_PATTERN, type RedriveRecord } from './sql.js';
import { resolveEnvelope, type FetchStored } from './envelope.js';

/** Which dead letters to redrive: named ones, all pending ones, or those with a reason; optionally narrowed. */
export interface RedriveSelection {
  ids?: readonly string[];
  all?: boolean;
  /** Dead letters whose reason contains this text, ignoring case. */
  reason?: string;
  sourceId?: string;
  since?: Date;
}

export type RedriveOutcome =
  /** Published again; `sequence` is where (an earlier publish, when `duplicate`). */
  | { id: string; outcome: 'redriven'; stream: string; sequence: number; duplicate: boolean }
  | { id: string; outcome: 'already-redriven'; stream: string; sequence: number; at: string }
  | { id: string; outcome: 'skipped'; reason: string }
  | { id: string; outcome: 'not-found' };

export interface RedriveProgress {
  done: number;
  total: number;
  last: RedriveOutcome;
}

export interface RedriveResult {
  /** Dead letters the selection matched (IDs not found included). */
  selected: number;
  redriven: number;
  alreadyRedriven: number;
  skipped: number;
  notFound: number;
  outcomes: RedriveOutcome[];
}

export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

export interface RedriveDeps {
  store: Pick<DeadLetterStore, 'list' | 'recordRedrives'>;
  /** Publishes to JetStream with a `Nats-Msg-Id`; resolves with the PubAck. */
  publish(subject: string, payload: string, msgID: string): Promise<PubAck>;
  fetchStored: FetchStored;
  /** `nats.subjectPrefix`. */
  subjectPrefix: string;
  onProgress?(progress: RedriveProgress): void;
  /** Dead letters read (with their envelopes) and recorded per round trip; default 100. */
  chunkSize?: number;
}

export class RedriveSelectionError extends Error {
  override name = 'RedriveSelectionError';
}

/** Refuses a selection that names nothing (a redrive of everything must say `all`) or a malformed ID. */
export function checkSelection(selection: RedriveSelection): void {
  const ways = [selection.ids !== undefined, selection.all === true, selection.reason !== undefined];
  if (ways.filter(Boolean).length !== 1) {
    throw new RedriveSelectionError('choose the dead letters to redrive: by ids, all of them, or by reason');
  }
  if (selection.ids !== undefined && selection.ids.length === 0) {
    throw new RedriveSelectionError('no dead letter ids given');
  }
  for (const id of selection.ids ?? []) {
    if (!DEAD_LETTER_ID_PATTERN.test(id)) {
      throw new RedriveSelectionError(`"${id}" is not a dead letter id (12 hex digits, as list shows them)`);
    }
  }
  if (selection.reason === '') throw new RedriveSelectionError('the reason to match is empty');
}

/**
 * The `Nats-Msg-Id` of a redrive: the same for repeats of one redrive (a retry, a crash before it was
 * recorded), so the stream keeps one copy, and new when the dead letter failed again since (`attempts`).
 */
export function redriveMessageId(entry: Pick<DeadLetterEntry, 'id' | 'attempts'>): string {
  return `eventpipe-redrive:${entry.id}:${entry.attempts}`;
}

/** What to publish for a dead letter, or why it cannot go back. */
export async function redrivePayload(
  entry: DeadLetterEntry,
  fetchStored: FetchStored,
  subjectPrefix: string,
): Promise<{ subject: string; payload: string } | { reason: string }> {
  const { json } = await resolveEnvelope(entry.envelopeJson ?? 'null', fetchStored);
  if (json === 'null') {
    return {
      reason:
        'the stream no longer held the message when it was dead-lettered: replay it from the raw archive',
    };
  }
  const decoded = decodeEnvelope(Buffer.from(json, 'utf8'));
  if (!decoded.ok) return { reason: `cannot go back through the loader as it is: ${decoded.reason}` };
  const { sourceId, type } = decoded.envelope;
  return { subject: eventSubject(subjectPrefix, sourceId, type), payload: json };
}

export async function redriveDeadLetters(
  selection: RedriveSelection,
  deps: RedriveDeps,
): Promise<RedriveResult> {
  checkSelection(selection);
  const chunkSize = deps.chunkSize ?? 100;
  const ids = selection.ids && [...new Set(selection.ids)];
  const matched = await deps.store.list({
    sourceId: selection.sourceId,
    since: selection.since,
    reason: selection.reason,
    ids,
    // Named ones are reported even when already redriven; `all` and `reason` take the pending ones.
    includeRedriven: ids !== undefined,
  });
  const found = new Set(matched.map((e) => e.id));
  const outcomes: RedriveOutcome[] = [];
  const total = matched.length + (ids ?? []).filter((id) => !found.has(id)).length;
  const report = (outcome: RedriveOutcome) => {
    outcomes.push(outcome);
    deps.onProgress?.({ done: outcomes.length, total, last: outcome });
  };
  for (const id of ids ?? []) if (!found.has(id)) report({ id, outcome: 'not-found' });

  const pending: DeadLetterEntry[] = [];
  for (const entry of matched) {
    if (entry.redriven) {
      report({ id: entry.id, outcome: 'already-redriven', ...entry.redriven });
    } else {
      pending.push(entry);
    }
  }

  for (let start = 0; start < pending.length; start += chunkSize) {
    const chunk = pending.slice(start, start + chunkSize);
    // Envelopes a chunk at a time, so a redrive of many holds only a chunk of them in memory.
    const withEnvelopes = await deps.store.list({
      ids: chunk.map((e) => e.id),
      includeRedriven: true,
      withEnvelope: true,
    });
    const published: RedriveRecord[] = [];
    try {
      for (const entry of withEnvelopes) {
        const what = await redrivePayload(entry, deps.fetchStored, deps.subjectPrefix);
        if ('reason' in what) {
          report({ id: entry.id, outcome: 'skipped', reason: what.reason });
          continue;
        }
        const ack = await deps.publish(what.subject, what.payload, redriveMessageId(entry));
        published.push({
          origin: entry.origin,
          streamSequence: entry.streamSequence,
          sourceId: entry.sourceId,
          messageId: entry.messageId,
          stream: ack.stream,
          publishedSequence: ack.seq,
        });
        report({
          id: entry.id,
          outcome: 'redriven',
          stream: ack.stream,
          sequence: ack.seq,
          duplicate: ack.duplicate,
        });
      }
    } finally {
      // What was published is recorded even when a later publish failed.
      if (published.length > 0) await deps.store.recordRedrives(published);
    }
  }

  const count = (kind: RedriveOutcome['outcome']) => outcomes.filter((o) => o.outcome === kind).length;
  return {
    selected: total,
    redriven: count('redriven'),
    alreadyRedriven: count('already-redriven'),
    skipped: count('skipped'),
    notFound: count('not-found'),
    outcomes,
  };
}
