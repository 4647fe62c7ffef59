/** JetStream message bytes → a validated envelope, or the reason it is not one. */
import { parseJson } from '../json.js';
import { ENVELOPE_VERSION, isEventType, type Envelope } from './types.js';

export type DecodedEnvelope = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/**
 * Decodes one message into an envelope, checking the fields every later step relies on. A message
 * that fails goes to the dead letters with this reason; it is never dropped.
 */
export function decodeEnvelope(data: Uint8Array): DecodedEnvelope {
  let value: unknown;
  try {
    // Lossless: a number literal a double would round keeps its digits (`LosslessNumber`).
    value = parseJson(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const problem = envelopeProblem(value);
  return problem
    ? { ok: false, reason: `not an envelope: ${problem}` }
    : { ok: true, envelope: value as Envelope };
}

function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const e = value as Record<string, unknown>;
  if (e.v !== ENVELOPE_VERSION) return `unknown version ${JSON.stringify(e.v)}`;
  for (const field of ['sourceId', 'messageId', 'receivedAt'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') return `${field} missing`;
  }
  if (Number.isNaN(Date.parse(e.receivedAt as string))) return 'receivedAt is not a date';
  if (!isEventType(e.type)) return `unknown type ${JSON.stringify(e.type)}`;
  if (typeof e.event !== 'object' || e.event === null || Array.isArray(e.event)) return 'event missing';
  return undefined;
}
