/**
 * A collector on an ephemeral loopback port in front of a real `nats-server -js`, plus what the
 * collector suites need to check it: raw HTTP requests and a read-back of everything in the stream.
 */
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { loadConfig, type Config, type Envelope } from '@eventpipe/core';
import { startCollector, type RunningCollector } from '@eventpipe/collector';
import { startNats, type NatsServer } from '@eventpipe/local';
import { TEST_SECRETS, testLogger } from '../secrets.js';

export const SOURCE_ID = 'web';
export const WRITE_KEY = TEST_SECRETS.collectorWriteKey;

export interface StoredEvent {
  subject: string;
  msgId: string | undefined;
  /** The message as stored, which the loader will parse. */
  payload: string;
  envelope: Envelope;
}

export interface Harness {
  nats: NatsServer;
  collector: RunningCollector;
  config: Config;
  post(path: string, body: unknown, options?: PostOptions): Promise<Response>;
  /** Every message in the stream, in stream order. */
  stored(): Promise<StoredEvent[]>;
  close(): Promise<void>;
}

export interface PostOptions {
  headers?: Record<string, string>;
  /** Write key sent as the Basic username; `null` sends no Authorization header. */
  writeKey?: string | null;
  signal?: AbortSignal;
}

export const basicAuth = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

export async function startHarness(
  collector: Partial<Config['collector']> = {},
  natsSettings: Partial<Config['nats']> = {},
): Promise<Harness> {
  const nats = await startNats();
  const config = loadConfig(
    {},
    {
      sources: [{ id: SOURCE_ID, writeKeys: [WRITE_KEY] }],
      nats: { ...natsSettings, url: nats.url },
      collector: { host: '127.0.0.1', port: 0, metricsHost: '127.0.0.1', metricsPort: 0, ...collector },
    },
  );
  let running: RunningCollector;
  try {
    running = await startCollector(config, testLogger('collector'));
  } catch (error) {
    await nats.dispose();
    throw error;
  }

  const post = (path: string, body: unknown, options: PostOptions = {}) => {
    const writeKey = options.writeKey === undefined ? WRITE_KEY : options.writeKey;
    return fetch(new URL(path, running.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(writeKey !== null && { authorization: basicAuth(writeKey) }),
        ...options.headers,
      },
      body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
      signal: options.signal ?? AbortSignal.timeout(10_000),
    });
  };

  const stored = async (): Promise<StoredEvent[]> => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(config.nats.stream);
      const events: StoredEvent[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage(config.nats.stream, { seq });
        if (!message) continue;
        events.push({
          subject: message.subject,
          msgId: message.header.get('Nats-Msg-Id') || undefined,
          payload: message.string(),
          envelope: message.json<Envelope>(),
        });
      }
      return events;
    } finally {
      await nc.close();
    }
  };

  return {
    nats,
    collector: running,
    config,
    post,
    stored,
    close: async () => {
      try {
        await running.close();
      } finally {
        await nats.dispose();
      }
    },
  };
}
