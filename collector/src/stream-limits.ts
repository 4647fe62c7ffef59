/**
 * The stream is the pipeline's buffer between collectors and loaders. Its limits (`max_bytes`,
 * `max_msgs`) use discard `new`: when it is full JetStream refuses new messages rather than dropping
 * the oldest, unloaded ones. The collector must then tell SDKs (503 + Retry-After) and probes
 * (`/health/ready`) that the buffer is full, not that something vaguely failed, so an operator looks
 * at the loaders and the warehouse rather than at NATS.
 */
import type { StreamInfo } from '@nats-io/jetstream';

/** The refusal's reason, shared by the 503 and the readiness answer so both read the same. */
export function streamFullReason(detail: string): string {
  return `the event buffer (the NATS JetStream stream) is full: ${detail}; the loaders are behind or stopped`;
}

/**
 * JetStream's refusal of a message by a stream at its limits with discard `new`
 * (JSStreamStoreFailedF, whose description is the store's error).
 */
export function isStreamFullError(description: string): boolean {
  return /maximum (bytes|messages) exceeded/i.test(description);
}

/**
 * Why the stream cannot take another event of up to `headroomBytes`, or undefined while it can.
 * Near-full counts as full: a probe that says "ready" while most requests get 503 misleads.
 */
export function streamFullness(info: Pick<StreamInfo, 'config' | 'state'>, headroomBytes: number) {
  const { max_bytes: maxBytes, max_msgs: maxMsgs } = info.config;
  const { bytes, messages } = info.state;
  if (maxMsgs > 0 && messages >= maxMsgs) return `${messages} of max_msgs ${maxMsgs} messages`;
  if (maxBytes > 0 && bytes + headroomBytes > maxBytes) return `${bytes} of max_bytes ${maxBytes} bytes`;
  return undefined;
}
