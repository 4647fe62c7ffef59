/**
 * Settling a batch with JetStream. Acks are sent only after the warehouse COMMIT; an ack that is
 * lost (connection drop) only means a redelivery, which the warehouse merge makes harmless.
 */
import type { Delivery } from './consume.js';

/** Acks every message, then waits until the server has seen them (flush round trip). */
export async function ackAll(deliveries: readonly Delivery[], flush: () => Promise<void>): Promise<void> {
  for (const delivery of deliveries) delivery.ack();
  await flush();
}

/**
 * Hands messages back without loading them (shutdown): JetStream redelivers them, to another loader
 * of the group, right away instead of after `ack_wait`.
 */
export function nakAll(deliveries: readonly Delivery[]): void {
  for (const delivery of deliveries) delivery.nak();
}
