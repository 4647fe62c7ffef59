/**
 * The loader's side of JetStream: the durable pull consumer (created or checked at start-up, shared
 * by every loader process of a group) and the stream of messages it delivers, which core's
 * `decodeEnvelope` turns into envelopes. Only features of nats-server 2.9 are used (one filter
 * subject, no metadata).
 */
import {
  type Consumer,
  type ConsumerInfo,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamInfo,
} from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { desiredConsumerConfig, isNotFound, type Config, type Logger } from '@eventpipe/core';

const NANOS_PER_MILLISECOND = 1_000_000;

/** The part of a JetStream message the loader uses (JsMsg satisfies it; unit tests fake it). */
export interface Delivery {
  /**
   * The stream the message came from, as `streamOrigin` names it. Stream sequences start again at 1
   * when a stream is re-created, so a sequence identifies a message only together with its origin.
   */
  readonly origin: string;
  /** Stream sequence. */
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly info: { readonly deliveryCount: number };
  ack(): void;
  nak(delayMs?: number): void;
  working(): void;
}

/**
 * A stream's identity: its name and creation time (`EVENTS-20240501100000123456789Z`). A stream deleted
 * and re-created (by hand, by an operator, or when a memory stream or a lost volume comes back empty)
 * gets a new creation time, and with it new batch ids, S3 keys and dead-letter keys, although its
 * sequences start again at 1. Two pipelines sharing a warehouse differ by stream name or, on
 * different NATS servers, by the creation time (nanoseconds).
 */
export function streamOrigin(info: Pick<StreamInfo, 'created'> & { config: { name: string } }): string {
  return `${info.config.name}-${info.created.replace(/[^0-9A-Za-z]/g, '')}`;
}

/** A pulled message with the origin of the stream it was pulled from. */
class OriginDelivery implements Delivery {
  constructor(
    readonly origin: string,
    private readonly message: JsMsg,
  ) {}
  get seq() {
    return this.message.seq;
  }
  get subject() {
    return this.message.subject;
  }
  get data() {
    return this.message.data;
  }
  get info() {
    return this.message.info;
  }
  ack() {
    this.message.ack();
  }
  nak(delayMs?: number) {
    this.message.nak(delayMs);
  }
  working() {
    this.message.working();
  }
}

/**
 * Creates the consumer, or brings an existing one to the configured settings (a consumer created
 * with another `ack_wait`, e.g. the old default of 300 s, is updated). When the stream is managed
 * elsewhere (`nats.manageStream=false`, the operator on Kubernetes) it only checks that the consumer
 * exists, and says which one is missing. Returns the consumer's `ack_wait` in milliseconds as the
 * server has it, which the keep-alive must stay well under.
 */
export async function ensureConsumer(jsm: JetStreamManager, config: Config, log: Logger): Promise<number> {
  const desired = desiredConsumerConfig(config);
  const { stream } = config.nats;
  let info: ConsumerInfo;
  try {
    info = await jsm.consumers.info(stream, desired.durable_name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    if (!config.nats.manageStream) {
      throw new Error(
        `JetStream consumer "${desired.durable_name}" on stream "${stream}" does not exist, and ` +
          'EVENTPIPE_NATS_MANAGE_STREAM=false says it is managed elsewhere: create it, or set ' +
          'EVENTPIPE_LOADER_CONSUMER to an existing one',
      );
    }
    info = await jsm.consumers.add(stream, desired);
    log.info({ stream, consumer: desired.durable_name }, 'created JetStream consumer');
    return ackWaitMs(info);
  }
  if (config.nats.manageStream) {
    const { ack_wait, max_deliver, max_ack_pending } = desired;
    if (info.config.ack_wait !== ack_wait) {
      log.info(
        {
          stream,
          consumer: desired.durable_name,
          from: ackWaitMs(info) / 1000,
          to: config.loader.ackWaitSeconds,
        },
        "updating the consumer's ack_wait (seconds)",
      );
    }
    info = await jsm.consumers.update(stream, desired.durable_name, {
      ack_wait,
      max_deliver,
      max_ack_pending,
    });
  }
  return ackWaitMs(info);
}

/** The server's default when a consumer has none set. */
const SERVER_DEFAULT_ACK_WAIT_MS = 30_000;

function ackWaitMs(info: ConsumerInfo): number {
  const nanos = info.config.ack_wait;
  return nanos ? nanos / NANOS_PER_MILLISECOND : SERVER_DEFAULT_ACK_WAIT_MS;
}

/** Largest pull per request: enough to fill batches quickly, small enough to hand back fast. */
const MAX_PULL_MESSAGES = 1000;

/**
 * How long one pull request stays open on the server. It bounds how long `close()` waits for the
 * last pull to end; an idle loader costs one request per period.
 */
export const PULL_EXPIRES_MS = 2_000;

/** Pause after a failed pull (consumer missing, connection lost) before the next one. */
const PULL_RETRY_MS = 1_000;

/**
 * The loader's deliveries, pulled with one bounded pull request (`fetch`) at a time until `signal`
 * aborts; the iterator ends once the pull in flight has then ended on its own (fulfilled or
 * expired) and everything it delivered has been read.
 *
 * Why not `consume()`: closing it unsubscribes while its pull request is still open on the server,
 * so messages already on the wire are dropped by the client, and messages nak'd at shutdown are
 * redelivered into that dead pull. Either way they come back only after `ack_wait`. When this
 * iterator ends no pull request of ours is left on the server: a nak from then on goes to another
 * loader at once.
 *
 * A pump reads each fetch as it arrives into a buffer that the batcher drains, and starts the next
 * fetch while at most one pull's worth is buffered. Reading promptly matters: a fetch left unread
 * for two heartbeat intervals (while a batch takes seconds to load) fails with "heartbeats missed".
 * Buffered messages are kept alive with `working()` every `keepAliveMs`, like a batch in flight, so
 * a busy loader's buffer is not redelivered to another loader after the short `ack_wait`.
 *
 * Every delivery carries the origin (name and creation time) of the stream it was pulled from. The
 * pump attaches to the consumer (creating it again if the stream was re-created, when it manages the
 * stream) and reads the stream's origin whenever a pull has failed, so messages of a re-created
 * stream never carry the old stream's origin.
 */
export function pullDeliveries(
  js: JetStreamClient,
  jsm: JetStreamManager,
  config: Config,
  log: Logger,
  signal: AbortSignal,
  keepAliveMs: number,
): AsyncIterator<Delivery, undefined> {
  const { stream } = config.nats;
  const { consumer: name, batchMaxEvents } = config.loader;
  const pull = { max_messages: Math.min(batchMaxEvents, MAX_PULL_MESSAGES), expires: PULL_EXPIRES_MS };
  const buffer: Delivery[] = [];
  let ended = false;
  // Resolvers of the current waits (calling a stale one is harmless): the reader waits for a
  // delivery or the end, the pump for room in the buffer or the abort.
  let wakeReader = () => {};
  let wakePump = () => {};
  signal.addEventListener('abort', () => wakePump(), { once: true });
  const keepAlive = setInterval(() => {
    for (const delivery of buffer) delivery.working();
  }, keepAliveMs);
  keepAlive.unref();

  async function attach(): Promise<{ consumer: Consumer; origin: string }> {
    await ensureConsumer(jsm, config, log);
    const consumer = await js.consumers.get(stream, name);
    // Read after the consumer: a stream re-created in between is seen here, never missed.
    const origin = streamOrigin(await jsm.streams.info(stream));
    return { consumer, origin };
  }

  async function pump(): Promise<void> {
    let attached: { consumer: Consumer; origin: string } | undefined;
    while (!signal.aborted) {
      if (buffer.length >= pull.max_messages) {
        await new Promise<void>((resolve) => (wakePump = resolve));
        continue;
      }
      try {
        attached ??= await attach();
        const { consumer, origin } = attached;
        for await (const message of await consumer.fetch(pull)) {
          buffer.push(new OriginDelivery(origin, message));
          wakeReader();
        }
      } catch (error) {
        // What the pull delivered before failing is buffered. Attach again (the consumer or the
        // stream may have been recreated) after a pause.
        log.warn({ err: error, stream, consumer: name }, 'pulling from JetStream failed, will retry');
        attached = undefined;
        await sleep(PULL_RETRY_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }
  void pump()
    .catch((error: unknown) => log.error({ err: error }, 'pulling from JetStream stopped'))
    .finally(() => {
      clearInterval(keepAlive);
      ended = true;
      wakeReader();
    });

  return {
    async next() {
      while (buffer.length === 0 && !ended) await new Promise<void>((resolve) => (wakeReader = resolve));
      const delivery = buffer.shift();
      if (buffer.length < pull.max_messages) wakePump();
      return delivery ? { value: delivery, done: false } : { value: undefined, done: true };
    },
  };
}

/** `events.<sourceId>.<type>` → sourceId, for messages whose body cannot say it. */
export function sourceOfSubject(subject: string): string {
  return subject.split('.')[1] ?? 'unknown';
}
