/**
 * JetStream publishing from one Node process doing nothing else, with up to `inFlight` publishes
 * awaiting their PubAck: the ceiling of the collector's batch path, and how the loader scenarios
 * pre-fill the stream.
 */
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';

export interface RawMessage {
  subject: string;
  msgID: string;
  payload: string;
}

/** Publishes every message (each acked by the stream) and returns messages per second. */
export async function rawPublishRate(natsUrl: string, messages: readonly RawMessage[], inFlight = 1000) {
  const nc = await connect({ servers: natsUrl });
  try {
    const js = jetstream(nc);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < messages.length) {
        const { subject, payload, msgID } = messages[next++]!;
        await js.publish(subject, payload, { msgID });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return messages.length / ((performance.now() - started) / 1000);
  } finally {
    await nc.close();
  }
}
