/**
 * Ceiling for the batch path: what one Node process gets from JetStream when it does nothing but
 * publish ready-made envelopes, with up to `inFlight` publishes awaiting their PubAck.
 */
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';

export async function rawPublishRate(natsUrl: string, subject: string, payloads: string[], inFlight = 1000) {
  const nc = await connect({ servers: natsUrl });
  const js = jetstream(nc);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < payloads.length) {
      const i = next++;
      await js.publish(subject, payloads[i]!, { msgID: `raw-${started}-${i}` });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  await nc.close();
  return payloads.length / seconds;
}
