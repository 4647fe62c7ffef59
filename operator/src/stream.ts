/**
 * The pipeline's JetStream stream and the loaders' durable consumer, owned by the operator on
 * Kubernetes: created or updated to the spec through the JetStream API (the same desired configs the
 * processes use locally), read for status and lag, and deleted only when deletionPolicy is Delete.
 * One connection per NATS endpoint and credentials, kept across reconciles.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { desiredConsumerConfig, ensureStream, isNotFound, type Config, type Logger } from '@eventpipe/core';
import type { StreamObservation } from './status.js';

export interface NatsCredentials {
  user?: string;
  password?: string;
  token?: string;
}

export class StreamManager {
  private readonly connections = new Map<string, Promise<NatsConnection>>();

  constructor(private readonly log: Logger) {}

  private connection(url: string, credentials: NatsCredentials): Promise<NatsConnection> {
    const key = JSON.stringify([url, credentials.user, credentials.password, credentials.token]);
    let nc = this.connections.get(key);
    if (!nc) {
      // Fails fast when NATS is unreachable (StreamReady=False, retried with backoff); once
      // connected, the client reconnects by itself.
      nc = connect({
        servers: url.split(',').map((s) => s.trim()),
        name: 'eventpipe-operator',
        user: credentials.user,
        pass: credentials.password,
        token: credentials.token,
        timeout: 3_000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1_000,
      });
      this.connections.set(key, nc);
      nc.then(
        (c) => void c.closed().then(() => this.connections.delete(key)),
        () => this.connections.delete(key),
      );
    }
    return nc;
  }

  /** Creates or updates the stream and the consumer; reports their state and the consumer's lag. */
  async ensure(config: Config, credentials: NatsCredentials): Promise<StreamObservation> {
    const name = config.nats.stream;
    const consumer = config.loader.consumer;
    let nc: NatsConnection;
    try {
      nc = await this.connection(config.nats.url, credentials);
    } catch (error) {
      return {
        ready: false,
        reason: 'NatsUnreachable',
        message: `${config.nats.url}: ${(error as Error).message}`,
        name,
        consumer,
      };
    }
    try {
      const jsm = await ensureStream(nc, config.nats);
      const desired = desiredConsumerConfig(config);
      try {
        await jsm.consumers.info(name, consumer);
        const { ack_wait, max_deliver, max_ack_pending } = desired;
        await jsm.consumers.update(name, consumer, { ack_wait, max_deliver, max_ack_pending });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await jsm.consumers.add(name, desired);
        this.log.info({ stream: name, consumer }, 'created JetStream consumer');
      }
      // Answered by the stream's and the consumer's leaders in a cluster.
      const [stream, info] = await Promise.all([jsm.streams.info(name), jsm.consumers.info(name, consumer)]);
      return {
        ready: true,
        name,
        consumer,
        messages: stream.state.messages,
        bytes: stream.state.bytes,
        lag: info.num_pending + info.num_ack_pending,
      };
    } catch (error) {
      return { ready: false, reason: 'StreamError', message: (error as Error).message, name, consumer };
    }
  }

  /** Deletes the stream (and with it its consumers); a stream already gone is fine. */
  async delete(config: Config, credentials: NatsCredentials): Promise<void> {
    const nc = await this.connection(config.nats.url, credentials);
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.delete(config.nats.stream);
      this.log.info({ stream: config.nats.stream }, 'deleted JetStream stream (deletionPolicy Delete)');
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((p) => p.then((nc) => nc.close()).catch(() => {})));
  }
}
