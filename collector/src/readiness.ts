/**
 * `/health/ready`: the collector can store events only while NATS is connected and the stream
 * exists and has room. The connection state comes from NATS status events (free); the stream check is a JetStream
 * API call, so its answer is cached briefly and shared by concurrent probes instead of asking NATS on
 * every probe of every load balancer.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { streamFullness, streamFullReason } from './stream-limits.js';

export type ReadyState = { ready: true } | { ready: false; reason: string };

export type Readiness = () => Promise<ReadyState>;

export interface ReadinessOptions {
  stream: string;
  /** How long a stream check answers for. */
  cacheMs: number;
  /** Free bytes the stream needs for the collector to call itself ready: the largest event. */
  headroomBytes: number;
}

export function createReadiness(
  nc: NatsConnection,
  jsm: JetStreamManager,
  options: ReadinessOptions,
): Readiness {
  let connected = !nc.isClosed();
  let cached: { at: number; state: Promise<ReadyState> } | undefined;

  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'close') connected = false;
      if (status.type === 'reconnect') connected = true;
      // The stream may have changed (e.g. a restarted server without its store): check it afresh.
      cached = undefined;
    }
  })();

  const checkStream = async (): Promise<ReadyState> => {
    try {
      const info = await jsm.streams.info(options.stream);
      const full = streamFullness(info, options.headroomBytes);
      return full === undefined
        ? { ready: true }
        : { ready: false, reason: `stream ${options.stream}: ${streamFullReason(full)}` };
    } catch (error) {
      return { ready: false, reason: `stream ${options.stream}: ${(error as Error).message}` };
    }
  };

  return async () => {
    if (!connected || nc.isClosed()) return { ready: false, reason: 'not connected to NATS' };
    const now = Date.now();
    if (!cached || now - cached.at > options.cacheMs) cached = { at: now, state: checkStream() };
    return cached.state;
  };
}
