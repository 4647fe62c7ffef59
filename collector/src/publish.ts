/**
 * JetStream publishing for one HTTP request: one message per call, all of them in flight at once
 * (pipelined on the connection, never a round trip per call), and the request answered only when
 * every message has its PubAck. The `Nats-Msg-Id` makes a client's retry a duplicate the stream drops;
 * a duplicate PubAck therefore means "already stored" and counts as success.
 *
 * Any failure (NATS down, stream missing or full, no ack within the bound) becomes a 503 with
 * `Retry-After`: the SDK keeps the events and sends them again, and the ones that did get stored
 * before the failure are recognised as duplicates then.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { HttpError } from './errors.js';

export interface OutgoingMessage {
  subject: string;
  /** `Nats-Msg-Id`: stable across retries of the same call. */
  msgID: string;
  payload: string;
}

export interface PublishResult {
  stored: number;
  duplicates: number;
}

export type Publish = (messages: readonly OutgoingMessage[]) => Promise<PublishResult>;

export interface PublishOptions {
  /** Bound on the whole request's publishing, after which it answers 503. */
  timeoutMs: number;
  retryAfterSeconds: number;
}

export function unavailable(reason: string, retryAfterSeconds: number): HttpError {
  return new HttpError(503, `events not stored, retry later: ${reason}`, {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

/** Rejects with `onTimeout()` if `promise` has not settled within `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function createPublisher(js: JetStreamClient, options: PublishOptions): Publish {
  return async (messages) => {
    // Promise.all subscribes to every ack, so the ones that fail after the first failure (or after
    // the deadline) are handled rather than reported as unhandled rejections.
    const acks = Promise.all(
      messages.map((m) => js.publish(m.subject, m.payload, { msgID: m.msgID, timeout: options.timeoutMs })),
    );
    try {
      const results = await withDeadline(acks, options.timeoutMs, () =>
        unavailable(
          `no acknowledgement from NATS JetStream within ${options.timeoutMs} ms`,
          options.retryAfterSeconds,
        ),
      );
      const duplicates = results.filter((ack) => ack.duplicate).length;
      return { stored: results.length - duplicates, duplicates };
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw unavailable(`NATS JetStream: ${(error as Error).message}`, options.retryAfterSeconds);
    }
  };
}
