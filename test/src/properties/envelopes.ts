/**
 * Envelopes as the loader receives them from NATS: JSON text, with the event's text spliced in as
 * generated, so number literals and escapes reach `decodeEnvelope` as written.
 */
import fc from 'fast-check';
import { jsonObject, jsonTextOf, jsonValue, propertyName, stringValue } from './arbitraries.js';

const TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

let sequence = 0;

/** The envelope text of one event (`eventJson`: its JSON text), from source `sourceId`. */
export function envelopeText(sourceId: string, type: string, eventJson: string, receivedAt?: string): string {
  const id = `m-${++sequence}`;
  const at = receivedAt ?? new Date(Date.UTC(2024, 4, 1, 10, 0, 0, sequence % 1000)).toISOString();
  return (
    `{"v":1,"sourceId":${JSON.stringify(sourceId)},"type":"${type}","messageId":"${id}","receivedAt":"${at}",` +
    `"ip":"203.0.113.9","event":${eventJson}}`
  );
}

/** An event whose free-form parts (properties, traits, context, extra fields, event name) hold anything. */
export const eventText: fc.Arbitrary<{ type: string; json: string }> = fc
  .record({
    type: fc.constantFrom(...TYPES),
    event: stringValue,
    anonymousId: stringValue,
    userId: fc.oneof(stringValue, fc.integer(), fc.constant(null)),
    timestamp: fc.oneof(stringValue, jsonValue),
    properties: jsonObject,
    traits: jsonObject,
    context: jsonObject,
    extra: fc.dictionary(propertyName, jsonValue, { maxKeys: 4 }),
  })
  .map(({ type, extra, ...event }) => ({ type, json: jsonTextOf({ ...extra, ...event }) }));

/** A batch: events from one to three sources (source ids are warehouse schema names too). */
export const envelopeBatch: fc.Arbitrary<string[]> = fc
  .array(fc.tuple(fc.constantFrom('web', 'Web App', 'select', 'ios-😀', 'a'.repeat(70)), eventText), {
    minLength: 1,
    maxLength: 8,
  })
  .map((items) => items.map(([source, { type, json }]) => envelopeText(source, type, json)));
