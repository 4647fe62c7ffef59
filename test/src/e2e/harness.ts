/**
 * Real servers for the loader and end-to-end suites (nats-server, PostgreSQL, s3rver on loopback,
 * temp dirs) and the counting helpers that prove "every event exactly once".
 */
import { after, before } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import {
  ensureStream,
  envName,
  eventSubject,
  listSettings,
  loadConfig,
  natsMessageId,
  type Config,
  type Envelope,
  type EventType,
} from '@eventpipe/core';
import { s3ClientConfig } from '@eventpipe/loader/internal';
import { startNats, startPostgres, startS3 } from '@eventpipe/local';
import { TEST_S3_CREDENTIALS, TEST_SECRETS } from '../secrets.js';

export const SOURCE = 'web';
export const WRITE_KEY = TEST_SECRETS.writeKey;

/** `url` with the suites' recognisable warehouse password (the local cluster trusts loopback). */
export function withTestPassword(url: string): string {
  const withPassword = new URL(url);
  withPassword.password = TEST_SECRETS.warehousePassword;
  return withPassword.toString();
}

export type Servers = Awaited<ReturnType<typeof startServers>>;

export async function startServers() {
  const [nats, postgres, s3] = await Promise.all([
    startNats(),
    startPostgres(),
    startS3({ credentials: TEST_S3_CREDENTIALS }),
  ]);
  return {
    nats,
    postgres,
    s3,
    async dispose() {
      await Promise.allSettled([nats.dispose(), postgres.dispose(), s3.dispose()]);
    },
  };
}

export interface Suite {
  servers: Servers;
  nats: { nc: NatsConnection; jsm: JetStreamManager };
}

/**
 * Starts the servers and a NATS client before the file's tests, then the file's own `setup`; after
 * them, `teardown` stops what the file started (loaders, collectors) while the servers are still up.
 */
export function useServers(
  hooks: { setup?: (suite: Suite) => Promise<void>; teardown?: () => Promise<unknown> } = {},
): Suite {
  const suite = {} as Suite;
  before(async () => {
    suite.servers = await startServers();
    suite.nats = await natsClient(suite.servers);
    await hooks.setup?.(suite);
  });
  after(async () => {
    await hooks.teardown?.();
    await suite.nats?.nc.close();
    await suite.servers?.dispose();
  });
  return suite;
}

/** The settings every suite shares; small batches and a short age so tests stay fast. */
export function settings(servers: Servers, extra: Record<string, string> = {}): Record<string, string> {
  return {
    EVENTPIPE_LOG_LEVEL: process.env.EVENTPIPE_TEST_LOG_LEVEL ?? 'silent',
    EVENTPIPE_SOURCES: `${SOURCE}:${WRITE_KEY}`,
    EVENTPIPE_NATS_URL: servers.nats.url,
    EVENTPIPE_COLLECTOR_HOST: '127.0.0.1',
    EVENTPIPE_COLLECTOR_PORT: '0',
    EVENTPIPE_COLLECTOR_METRICS_HOST: '127.0.0.1',
    EVENTPIPE_COLLECTOR_METRICS_PORT: '0',
    EVENTPIPE_LOADER_HEALTH_HOST: '127.0.0.1',
    EVENTPIPE_LOADER_HEALTH_PORT: '0',
    EVENTPIPE_LOADER_BATCH_MAX_AGE_MS: '200',
    EVENTPIPE_LOADER_ACK_WAIT_SECONDS: '5',
    EVENTPIPE_S3_ENDPOINT: servers.s3.url,
    EVENTPIPE_S3_FORCE_PATH_STYLE: 'true',
    EVENTPIPE_S3_ACCESS_KEY_ID: TEST_S3_CREDENTIALS.accessKeyId,
    EVENTPIPE_S3_SECRET_ACCESS_KEY: TEST_S3_CREDENTIALS.secretAccessKey,
    EVENTPIPE_WAREHOUSE_URL: withTestPassword(servers.postgres.url),
    ...extra,
  };
}

export function configOf(env: Record<string, string>): Config {
  return loadConfig(env);
}

// Every setting name must exist: a typo would silently test the default instead.
const KNOWN = new Set([...listSettings().map((s) => s.env), envName(['sources'])]);
export function assertKnownSettings(env: Record<string, string>): void {
  for (const name of Object.keys(env)) if (!KNOWN.has(name)) throw new Error(`unknown setting ${name}`);
}

export function envelope(
  messageId: string,
  type: EventType = 'track',
  event: Record<string, unknown> = {},
): Envelope {
  const now = new Date().toISOString();
  return {
    v: 1,
    sourceId: SOURCE,
    type,
    messageId,
    receivedAt: now,
    sentAt: now,
    event: {
      type,
      messageId,
      userId: `user-${messageId}`,
      timestamp: now,
      ...(type === 'track' ? { event: 'Order Completed', properties: { revenue: 12.5, quantity: 2 } } : {}),
      ...event,
    },
  };
}

/** Publishes straight to JetStream, as the collector does; `natsId` overrides the dedup id. */
export async function publish(
  nc: NatsConnection,
  config: Config,
  envelopes: Envelope[],
  natsId?: (e: Envelope) => string,
) {
  const js = jetstream(nc);
  await ensureStream(nc, config.nats);
  for (const e of envelopes) {
    await js.publish(eventSubject(config.nats.subjectPrefix, e.sourceId, e.type), JSON.stringify(e), {
      msgID: natsId ? natsId(e) : natsMessageId(e.sourceId, e.messageId),
    });
  }
}

export async function natsClient(servers: Servers): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  // Reconnects for as long as it takes: suites restart nats-server under it.
  const nc = await connect({ servers: servers.nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  return { nc, jsm: await jetstreamManager(nc) };
}

/** Stream sequence up to which every message is acked (0 when the consumer does not exist yet). */
export async function ackFloor(jsm: JetStreamManager, config: Config): Promise<number> {
  try {
    return (await jsm.consumers.info(config.nats.stream, config.loader.consumer)).ack_floor.stream_seq;
  } catch {
    return 0;
  }
}

export async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Rows and distinct ids of a table; 0/0 when it does not exist yet. */
export async function countRows(
  url: string,
  schema: string,
  table: string,
): Promise<{ rows: number; ids: number }> {
  const exists = await query(
    url,
    'SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2',
    [schema, table],
  );
  if (exists.length === 0) return { rows: 0, ids: 0 };
  const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const [row] = await query<{ rows: string; ids: string }>(
    url,
    `SELECT count(*) AS rows, count(DISTINCT id) AS ids FROM ${ident(schema)}.${ident(table)}`,
  );
  return { rows: Number(row!.rows), ids: Number(row!.ids) };
}

export async function columnTypes(
  url: string,
  schema: string,
  table: string,
): Promise<Record<string, string>> {
  const rows = await query<{ column_name: string; data_type: string }>(
    url,
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [schema, table],
  );
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
}

/** Every object under `prefix`, with its lines gunzipped. */
export async function s3Objects(config: Config, prefix: string): Promise<{ key: string; lines: string[] }[]> {
  const client = new S3Client(s3ClientConfig(config.s3));
  try {
    const objects: { key: string; lines: string[] }[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const body = await client.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: object.Key }));
        const text = gunzipSync(await body.Body!.transformToByteArray()).toString('utf8');
        objects.push({ key: object.Key!, lines: text.split('\n').filter((l) => l !== '') });
      }
      token = page.NextContinuationToken;
    } while (token);
    return objects;
  } finally {
    client.destroy();
  }
}

/** Every line of every object under `prefix`, gunzipped. */
export async function s3Lines(config: Config, prefix: string): Promise<string[]> {
  return (await s3Objects(config, prefix)).flatMap((o) => o.lines);
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

const CLI = fileURLToPath(new URL('../../../cli/bin/eventpipe.js', import.meta.url));

export type EventpipeChild = ChildProcess & { exited: Promise<NodeJS.Signals | number | null> };

/**
 * `eventpipe <command>` as a child process, so it can be killed with SIGKILL like a real crash. Its
 * logs (stdout) are dropped unless `logFd` names a file to append them to, with its stderr.
 */
export function spawnEventpipe(
  command: 'loader' | 'collector',
  env: Record<string, string>,
  logFd?: number,
): EventpipeChild {
  assertKnownSettings(
    Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'EVENTPIPE_TEST_CRASH_AT')),
  );
  const child = spawn(process.execPath, [CLI, command], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', logFd ?? 'ignore', logFd ?? 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  return Object.assign(child, { exited });
}

export function spawnLoader(env: Record<string, string>): EventpipeChild {
  return spawnEventpipe('loader', env);
}

/** Stops a child gracefully (SIGTERM), bounded; SIGKILL if it hangs. */
export async function stopChild(child: EventpipeChild, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await child.exited;
  clearTimeout(timer);
}
