/**
 * Step 5, plan: what this load writes, as the warehouse contract takes it. The id derives from the
 * stream origin and the messages' sequences, so a redelivered batch (or the same half of a split
 * batch) gets the same id and the warehouse recognises it as already loaded.
 */
import { batchId } from '../batch.js';
import type { SourceBatch } from '../transform/types.js';
import type { LoadBatch } from '../load/warehouse.js';
import type { Message } from './decode.js';

export function plan(origin: string, messages: readonly Message[], sources: SourceBatch[]): LoadBatch {
  const sequences = messages.map((m) => m.delivery.seq);
  return {
    batchId: batchId(origin, sequences),
    firstSequence: sequences[0]!,
    lastSequence: sequences[sequences.length - 1]!,
    sources,
  };
}
