/**
 * JetStream publishing for one HTTP request: one message per call, all of them in flight at once
 * (pipelined on the connection, never a round trip per call), and the request answered only when
 * every message has its PubAck. The `Nats-Msg-Id` makes a client's retry a duplicate the stream drops;
 * a duplicate PubAck therefore means "already stored" and counts as success.
 *
 * Any failure (NATS down, stream missing or full, no ack within the bound, too many events already
 * awaiting their acks) becomes a 503 with `Retry-After`: the SDK keeps the events and sends them
 * again, and the ones that did get stored before the failure are recognised as duplicates then.
 *
 * Why not `jetstream().publish()`: a JetStream publish is a core NATS publish whose reply subject
 * receives the PubAck, and nats.js 3.4 runs each one as a full request: a timer, a deferred, and on
 * every *successful* reply a `RequestError("cancelled")` with a captured stack trace (`RequestOne.cancel`
 * rejects the already-resolved promise). That was ~10 % of the collector's CPU on the single-event path,
 * and `noAsyncTraces` does not avoid it. Here the acks of every request arrive on one wildcard inbox
 * subscription and each request has one timer, through the connection's public publish/subscribe API.
 */
import { createInbox, headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { HttpError } from './errors.js';
import { isStreamFullError, streamFullReason } from './stream-limits.js';

export interface OutgoingMessage {
  subject: string;
  /** `Nats-Msg-Id`: stable across retries of the same call. */
  msgID: string;
  payload: string;
  /** The payload's size in UTF-8, counted against the in-flight bytes. */
  bytes: number;
  /** W3C context of the event's producer span, sent as the `traceparent` header (tracing on). */
  traceparent?: string;
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
  /**
   * Events published and not yet acknowledged, across all requests, beyond which a request is
   * refused at once (503) instead of queueing more payloads in memory behind a slow JetStream.
   * A request is never refused while nothing is in flight, so a batch larger than the cap still works.
   */
  maxInflightEvents: number;
  /** The same bound on the bytes of those events' payloads. */
  maxInflightBytes: number;
}

/** The part of a NATS connection the publisher uses. */
export type AckTransport = Pick<NatsConnection, 'publish' | 'subscribe'>;

export interface Publisher {
  publish: Publish;
  /** Events published and awaiting their PubAck right now. */
  inflight(): number;
  /** The bytes of their payloads. */
  inflightBytes(): number;
  /**
   * Resolves once no event awaits its PubAck (each request is bounded by `timeoutMs`): shutdown
   * waits for this before draining NATS, since a request whose client hung up is no longer counted
   * by the HTTP server but may still have messages on the way.
   */
  idle(): Promise<void>;
}

export function unavailable(reason: string, retryAfterSeconds: number): HttpError {
  return new HttpError(503, `events not stored, retry later: ${reason}`, {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

/** The PubAck fields we read; an `error` instead when the stream refused the message. */
interface PubAckReply {
  stream?: string;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

/** One request's messages: settled when all are acknowledged, or at the first failure. */
interface PendingRequest {
  remaining: number;
  duplicates: number;
  tokens: string[];
  timer: NodeJS.Timeout | undefined;
  resolve(result: PublishResult): void;
  reject(error: HttpError): void;
}

/** A reply on the ack inbox, read: the PubAck's `duplicate` flag, or why it is not a PubAck. */
export type AckOutcome = { duplicate: boolean; problem?: undefined } | { problem: string };

export function readPubAck(msg: Pick<Msg, 'data' | 'headers' | 'string'>, subject: string): AckOutcome {
  // The server answers "no responders" (status 503, empty body) when no stream stores the subject.
  if (msg.data.length === 0 && msg.headers?.code === 503) {
    return { problem: `no JetStream stream stores subject ${subject} (stream missing?)` };
  }
  let ack: PubAckReply;
  try {
    ack = JSON.parse(msg.string()) as PubAckReply;
  } catch {
    return { problem: `NATS JetStream answered with a non-JSON acknowledgement for ${subject}` };
  }
  if (ack.error) {
    const what = ack.error.description ?? `error ${ack.error.err_code ?? ack.error.code}`;
    if (isStreamFullError(what)) return { problem: streamFullReason(what) };
    return { problem: `NATS JetStream: ${what}` };
  }
  if (!ack.stream) return { problem: `NATS JetStream answered without a stream name for ${subject}` };
  return { duplicate: ack.duplicate === true };
}

export function createPublisher(nc: AckTransport, options: PublishOptions): Publisher {
  const inbox = createInbox();
  const prefixLength = inbox.length + 1;
  /** Reply token → the request its message belongs to, and that message's subject and size. */
  const pending = new Map<string, { request: PendingRequest; subject: string; bytes: number }>();
  let inflight = 0;
  let inflightBytes = 0;
  let nextToken = 0;
  let idleWaiters: (() => void)[] = [];

  /** Forgets an acknowledged or abandoned message. */
  const release = (token: string) => {
    const entry = pending.get(token);
    if (!entry) return;
    pending.delete(token);
    inflightBytes -= entry.bytes;
    if (--inflight === 0 && idleWaiters.length > 0) {
      for (const wake of idleWaiters) wake();
      idleWaiters = [];
    }
  };
  const settle = (request: PendingRequest) => {
    clearTimeout(request.timer);
    for (const token of request.tokens) release(token);
  };
  const fail = (request: PendingRequest, reason: string) => {
    settle(request);
    request.reject(unavailable(reason, options.retryAfterSeconds));
  };

  /**
   * Messages of the requests accepted during this turn of the event loop. They are published
   * together once the turn's I/O callbacks have run, so that the connection writes them to the socket
   * in one system call: published from each request's own handler, every single-event request cost a
   * socket write of its own, the largest item in the single-event profile.
   */
  let queue: { token: string; message: OutgoingMessage }[] = [];
  const flush = () => {
    const messages = queue;
    queue = [];
    for (const { token, message } of messages) {
      const entry = pending.get(token);
      // Its request already failed (an earlier message could not be published): skip the rest.
      if (!entry) continue;
      // This runs outside any request's error boundary: whatever throws here (a closed or draining
      // connection, a header or payload NATS refuses) fails only the request the message belongs to.
      try {
        const h = headers();
        h.set('Nats-Msg-Id', message.msgID);
        if (message.traceparent !== undefined) h.set('traceparent', message.traceparent);
        nc.publish(message.subject, message.payload, { reply: `${inbox}.${token}`, headers: h });
      } catch (error) {
        fail(entry.request, `NATS: ${(error as Error).message}`);
      }
    }
  };

  nc.subscribe(`${inbox}.*`, {
    callback: (error, msg) => {
      // A subscription error (e.g. a permissions violation) leaves the requests to their deadline.
      if (error) return;
      const token = msg.subject.slice(prefixLength);
      const entry = pending.get(token);
      // Late: its request already failed or timed out, and answered 503.
      if (!entry) return;
      const { request, subject } = entry;
      const outcome = readPubAck(msg, subject);
      if (outcome.problem !== undefined) return fail(request, outcome.problem);
      release(token);
      if (outcome.duplicate) request.duplicates++;
      if (--request.remaining === 0) {
        clearTimeout(request.timer);
        request.resolve({
          stored: request.tokens.length - request.duplicates,
          duplicates: request.duplicates,
        });
      }
    },
  });

  const publish: Publish = (messages) =>
    new Promise<PublishResult>((resolve, reject) => {
      if (messages.length === 0) return resolve({ stored: 0, duplicates: 0 });
      if (inflight > 0) {
        let bytes = 0;
        for (const message of messages) bytes += message.bytes;
        const limit =
          inflight + messages.length > options.maxInflightEvents
            ? `${options.maxInflightEvents} events`
            : inflightBytes + bytes > options.maxInflightBytes
              ? `${options.maxInflightBytes} bytes of events`
              : undefined;
        if (limit !== undefined) {
          const reason = `the collector is at its limit of ${limit} awaiting acknowledgement from NATS JetStream`;
          return reject(unavailable(reason, options.retryAfterSeconds));
        }
      }
      const request: PendingRequest = {
        remaining: messages.length,
        duplicates: 0,
        tokens: [],
        timer: undefined,
        resolve,
        reject,
      };
      request.timer = setTimeout(
        () => fail(request, `no acknowledgement from NATS JetStream within ${options.timeoutMs} ms`),
        options.timeoutMs,
      );
      if (queue.length === 0) setImmediate(flush);
      for (const message of messages) {
        const token = (nextToken++).toString(36);
        request.tokens.push(token);
        pending.set(token, { request, subject: message.subject, bytes: message.bytes });
        inflight++;
        inflightBytes += message.bytes;
        queue.push({ token, message });
      }
    });

  const idle = () =>
    inflight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));

  return { publish, inflight: () => inflight, inflightBytes: () => inflightBytes, idle };
}
