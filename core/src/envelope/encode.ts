/** An envelope → the JSON text published to JetStream (what `decodeEnvelope` reads back). */
import type { Envelope } from './types.js';

/**
 * The envelope as JSON, reusing the serialisations from validation (where their sizes were measured)
 * instead of serialising the event, and the batch's context for every call, again. `batchContext` and
 * `event` are spliced in as the last keys.
 */
export function encodeEnvelope(envelope: Envelope, eventJson: string, batchContextJson?: string): string {
  const { event: _event, batchContext: _batchContext, ...fields } = envelope;
  const batchContext = batchContextJson === undefined ? '' : `,"batchContext":${batchContextJson}`;
  return `${JSON.stringify(fields).slice(0, -1)}${batchContext},"event":${eventJson}}`;
}
