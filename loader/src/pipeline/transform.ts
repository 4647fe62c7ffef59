/**
 * Step 4, transform: enriched events into rows per warehouse table, with the columns they need,
 * under the warehouse's rules (identifier length, column budget, types). Pure.
 */
import type { DialectRules, EnrichedEvent, SourceBatch } from '../transform/types.js';

export type TransformEvents = (events: EnrichedEvent[], rules: DialectRules) => SourceBatch[];

export function transform(
  events: EnrichedEvent[],
  rules: DialectRules,
  transformEvents: TransformEvents,
): SourceBatch[] {
  return transformEvents(events, rules);
}
