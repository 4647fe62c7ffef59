/**
 * JetStream publishing from one Node process doing nothing else: the ceiling of the collector's batch
 * path, and how the loader scenarios pre-fill the stream.
 *
 * The fastest way to store a message in JetStream from Node with the nats-server we run (2.9; the
 * batched "fast ingest" publish needs 2.14, and atomic batches drop `Nats-Msg-Id`): a core NATS
 * publish per message with its `Nats-Msg-Id` header and a reply subject, pipelined on the connection
 * with up to `window` messages awaiting their PubAck, every PubAck arriving on one inbox subscription
 * and checked there. `jetstream().publish()` costs a request per message (a timer, a deferred, a
 * cancelled-request error per success) that neither this nor the collector pays, so awaiting it, even
 * with many in flight, measures nats.js's request bookkeeping rather than what JetStream allows.
 */
import { connect, createInbox, headers, type NatsConnection } from '@nats-io/transport-node';

export interface RawMessage {
  subject: string;
  msgID: string;
  payload: string;
}

/** Messages awaiting their PubAck before publishing pauses (measured: 1,000 to 10,000 rate alike). */
const DEFAULT_WINDOW = 4096;

/**
 * Publishes every message pipelined, each acked by the stream (a refusal fails the run), and returns
 * messages per second.
 */
export async function rawPublishRate(
  natsUrl: string,
  messages: readonly RawMessage[],
  window = DEFAULT_WINDOW,
): Promise<number> {
  const nc = await connect({ servers: natsUrl });
  try {
    const started = performance.now();
    await publishPipelined(nc, messages, window);
    return messages.length / ((performance.now() - started) / 1000);
  } finally {
    await nc.close();
  }
}

async function publishPipelined(nc: NatsConnection, messages: readonly RawMessage[], window: number) {
  const inbox = createInbox();
  let acked = 0;
  let next = 0;
  let failure: Error | undefined;
  /** Wakes the publishing loop when the window has room again, everything is acked, or an ack failed. */
  let wake: (() => void) | undefined;
  const subscription = nc.subscribe(inbox, {
    callback: (error, msg) => {
      if (error) failure = error;
      else {
        const ack = msg.data.length === 0 ? undefined : (JSON.parse(msg.string()) as { stream?: string });
        if (!ack?.stream)
          failure = new Error(`JetStream refused a message: ${msg.string() || 'no responders'}`);
        acked++;
      }
      if (wake && (failure || acked === messages.length || next - acked <= window / 2)) {
        wake();
        wake = undefined;
      }
    },
  });
  try {
    while (acked < messages.length) {
      if (failure) throw failure;
      while (next < messages.length && next - acked < window) {
        const { subject, payload, msgID } = messages[next++]!;
        const h = headers();
        h.set('Nats-Msg-Id', msgID);
        nc.publish(subject, payload, { reply: inbox, headers: h });
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure;
  } finally {
    subscription.unsubscribe();
  }
}
