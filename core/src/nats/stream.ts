import {
  AckPolicy,
  DeliverPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  DiscardPolicy,
  type JetStreamManager,
  type ConsumerConfig,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../config/index.js';
import type { EventType } from '../envelope/types.js';

const NANOS_PER_SECOND = 1_000_000_000;

/** `events.<sourceId>.<type>`: loaders and replays can filter by source or by call type. */
export function eventSubject(prefix: string, sourceId: string, type: EventType): string {
  return `${prefix}.${sourceId}.${type}`;
}

/** The stream's desired configuration, a pure function of the config (the operator uses it too). */
export function desiredStreamConfig(nats: Config['nats']): Partial<StreamConfig> & { name: string } {
  return {
    name: nats.stream,
    subjects: [`${nats.subjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: nats.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: nats.replicas,
    max_age: nats.maxAgeSeconds * NANOS_PER_SECOND,
    max_bytes: nats.maxBytes,
    // When full, refuse new messages (the collector answers 503 and SDKs keep the events)
    // rather than silently discarding the oldest, unloaded ones.
    discard: DiscardPolicy.New,
    duplicate_window: nats.duplicateWindowSeconds * NANOS_PER_SECOND,
  };
}

/** The durable consumer's configuration, a pure function of the config (loaders, and the operator on Kubernetes). */
export function desiredConsumerConfig(config: Config): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: config.loader.consumer,
    ack_policy: AckPolicy.Explicit,
    ack_wait: config.loader.ackWaitSeconds * NANOS_PER_SECOND,
    max_deliver: config.loader.maxDeliver,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${config.nats.subjectPrefix}.>`,
    // The server default (1,000) would cap every batch at 1,000 messages across all loaders;
    // each loader bounds what it holds itself (one batch plus its pull buffer).
    max_ack_pending: -1,
  };
}

/** Creates the stream, or updates it to the configured limits; returns the manager for reuse. */
export async function ensureStream(nc: NatsConnection, nats: Config['nats']): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const desired = desiredStreamConfig(nats);
  try {
    await jsm.streams.info(desired.name);
    await jsm.streams.update(desired.name, desired);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.streams.add(desired);
  }
  return jsm;
}

export function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; api_error?: { err_code?: number }; message?: string } | undefined;
  return (
    e?.api_error?.err_code === 10059 ||
    e?.api_error?.err_code === 10014 ||
    /not found/i.test(e?.message ?? '')
  );
}
