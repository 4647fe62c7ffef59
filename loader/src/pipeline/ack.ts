/**
 * Step 9, ack: settling a batch with JetStream. Acks are sent only after the warehouse COMMIT; an ack that is
 * lost (connection drop) only means a redelivery, which the warehouse merge makes harmless.
 */
import type { Delivery } from '../consume.js';

/** Acks every message, then waits until the server has seen them (flush round trip). */
export async function ackAll(deliveries: readonly Delivery[], flush: () => Promise<void>): Promise<void> {
  for (const delivery of deliveries) delivery.ack();
  await flush();
}

/**
 * The messages a stopping loader gives back unloaded: its abandoned batch and everything it had
 * buffered. They are held until the loader's last pull request has ended and only then nak'd,
 * because JetStream redelivers a nak'd message at once into any open pull request, and while this
 * loader's own is open that would be this loader, which is going away: the message would then wait
 * for `ack_wait` instead of going to another loader right away.
 */
export class HandBack {
  /** By stream sequence: a message redelivered while held is nak'd once, with its latest handle. */
  private readonly held = new Map<number, Delivery>();

  hold(deliveries: readonly Delivery[]): void {
    for (const delivery of deliveries) this.held.set(delivery.seq, delivery);
  }

  /** Naks everything held (call once no pull request is open), then waits for the server to see it. */
  async nakAll(flush: () => Promise<void>): Promise<number> {
    for (const delivery of this.held.values()) delivery.nak();
    const count = this.held.size;
    this.held.clear();
    await flush();
    return count;
  }
}
