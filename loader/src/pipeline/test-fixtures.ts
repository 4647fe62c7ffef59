/** Stand-ins shared by the pipeline's unit tests: envelopes, deliveries that record their acks. */
import type { Envelope } from '@eventpipe/core';
import type { Delivery } from '../consume.js';

/** A load error the tests' warehouse calls permanent. */
export class Rejected extends Error {}
export const isPermanent = (error: unknown) => error instanceof Rejected;

export function envelope(messageId: string): Envelope {
  return {
    v: 1,
    sourceId: 'web',
    type: 'track',
    messageId,
    receivedAt: '2024-05-01T10:20:30.000Z',
    event: { type: 'track', event: 'Clicked', messageId },
  };
}

export function delivery(seq: number, body: string | Envelope) {
  const calls: string[] = [];
  const d: Delivery & { calls: string[] } = {
    origin: 'EVENTS-1',
    seq,
    subject: 'events.web.track',
    data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    info: { deliveryCount: 1 },
    calls,
    ack: () => calls.push('ack'),
    nak: () => calls.push('nak'),
    working: () => calls.push('working'),
  };
  return d;
}
