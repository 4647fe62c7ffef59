/**
 * Step 2, stage raw: the messages exactly as consumed go to the S3 archive (the source of truth for
 * replays) before anything is computed from them, one object per source.
 */
import { ndjsonLine, type RawGroup, type Stager } from '../stage.js';
import type { Message } from './decode.js';

/** Raw archive files: one per source, lines in stream order, named after the first envelope's hour. */
export function rawGroups(messages: readonly Message[]): RawGroup[] {
  const groups = new Map<string, RawGroup>();
  for (const { delivery, envelope } of messages) {
    let group = groups.get(envelope.sourceId);
    if (!group) {
      group = { sourceId: envelope.sourceId, receivedAt: envelope.receivedAt, lines: [] };
      groups.set(envelope.sourceId, group);
    }
    group.lines.push(ndjsonLine(delivery.data));
  }
  return [...groups.values()];
}

/** Archives the messages of batch `batchId`; returns the keys written. */
export function stageRaw(
  stager: Pick<Stager, 'stageRaw'>,
  batchId: string,
  messages: readonly Message[],
): Promise<string[]> {
  return stager.stageRaw(batchId, rawGroups(messages));
}
