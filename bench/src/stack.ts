/**
 * The servers eventpipe runs against (nats-server, PostgreSQL, S3) for one scenario, each in its own
 * process on loopback, plus the settings the collector and loader children get.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { ensureStream, loadConfig } from '@eventpipe/core';
import { freePort, S3RVER_CREDENTIALS, startNats, startPostgres } from '@eventpipe/local';
import { BENCH_SOURCE, BENCH_WRITE_KEY } from './event.js';

const s3Script = fileURLToPath(new URL('./servers/s3.js', import.meta.url));
const S3_START_TIMEOUT_MS = 60_000;

/** Starts the S3 child and resolves with its URL once it printed `ready <url>`. */
async function startS3Child() {
  const child = spawn(process.execPath, [s3Script, String(await freePort())], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`S3 server did not start within ${S3_START_TIMEOUT_MS} ms`)),
      S3_START_TIMEOUT_MS,
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^ready (\S+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`S3 server exited with code ${code} before it was ready`));
    });
  });
  const url = await ready.catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    url,
    async dispose() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

export async function startStack() {
  const starts = await Promise.allSettled([startNats(), startPostgres(), startS3Child()]);
  const [natsStart, postgresStart, s3Start] = starts;
  if (
    natsStart.status === 'rejected' ||
    postgresStart.status === 'rejected' ||
    s3Start.status === 'rejected'
  ) {
    // Stop the servers that did start before reporting the one that did not.
    await Promise.allSettled(starts.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
    throw starts.find((r) => r.status === 'rejected')!.reason;
  }
  const [nats, postgres, s3] = [natsStart.value, postgresStart.value, s3Start.value];
  const env: Record<string, string> = {
    EVENTPIPE_SOURCES: `${BENCH_SOURCE}:${BENCH_WRITE_KEY}`,
    EVENTPIPE_NATS_URL: nats.url,
    EVENTPIPE_COLLECTOR_HOST: '127.0.0.1',
    EVENTPIPE_LOADER_HEALTH_HOST: '127.0.0.1',
    EVENTPIPE_LOADER_HEALTH_PORT: '0',
    EVENTPIPE_COLLECTOR_METRICS_PORT: '0',
    EVENTPIPE_S3_ENDPOINT: s3.url,
    EVENTPIPE_S3_FORCE_PATH_STYLE: 'true',
    EVENTPIPE_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    EVENTPIPE_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    EVENTPIPE_WAREHOUSE_URL: postgres.url,
    // Loader settings from the benchmark's own environment, to measure other than the defaults
    // (`EVENTPIPE_LOADER_BATCH_MAX_EVENTS=2500 npm run bench -- --only loader`).
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] =>
          entry[0].startsWith('EVENTPIPE_LOADER_') && entry[1] !== undefined,
      ),
    ),
  };
  return {
    nats,
    postgres,
    s3,
    /** Settings for `eventpipe collector` / `eventpipe loader` children. */
    env,
    /** The stream as the collector would create it, for scenarios that publish before any collector ran. */
    async ensureStream() {
      const nc = await connect({ servers: nats.url });
      try {
        await ensureStream(nc, loadConfig(env).nats);
      } finally {
        await nc.close();
      }
    },
    async dispose() {
      await Promise.allSettled([nats.dispose(), postgres.dispose(), s3.dispose()]);
    },
  };
}
