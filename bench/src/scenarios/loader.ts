/**
 * loader.postgres and loader.rss: a stream pre-filled with `events` envelopes, drained by the real
 * loader (`eventpipe loader` as a child process, default settings, no enrichments) into PostgreSQL
 * through S3, measured from the loader's start to its last COMMIT (`_eventpipe.loads.committed_at`).
 * Ceiling: the same rows COPYed by the loader's own COPY encoding, with nothing else to do.
 */
import { loadConfig } from '@eventpipe/core';
import { benchEnvelope, outgoing } from '../event.js';
import { rawCopyRate } from '../ceilings/raw-copy.js';
import { rawPublishRate } from '../ceilings/raw-publish.js';
import { describeMemoryLimit, startChild } from '../processes.js';
import { measurement, round, type Measurement } from '../results.js';
import { startStack } from '../stack.js';
import { connectPostgres, waitForCommitted } from '../warehouse.js';

export interface LoaderBenchOptions {
  events: number;
  log: (line: string) => void;
}

/** The loader's RSS target with default settings (issue 14; docs/loader.md has the formula for others). */
const LOADER_RSS_TARGET_MB = 256;
/** Bound on the drain: generous, since a machine shared with other work can be many times slower. */
const DRAIN_TIMEOUT_MS = 600_000;

export async function benchLoader(options: LoaderBenchOptions): Promise<Measurement[]> {
  const stack = await startStack();
  const client = await connectPostgres(stack.postgres.url);
  try {
    const batchSize = loadConfig(stack.env).loader.batchMaxEvents;
    const runId = `l${Date.now()}`;
    const envelopes = Array.from({ length: options.events }, () => benchEnvelope(runId));
    options.log(`pre-filling the stream with ${options.events} envelopes`);
    await stack.ensureStream();
    await rawPublishRate(
      stack.nats.url,
      envelopes.map((e) => outgoing(e)),
    );

    options.log(`loader: draining ${options.events} events (batch size ${batchSize})`);
    const started = Date.now();
    const loader = startChild(['loader'], stack.env);
    let rss = 0;
    const limit = describeMemoryLimit(loader);
    let done;
    try {
      done = await waitForCommitted(
        client,
        options.events,
        DRAIN_TIMEOUT_MS,
        () => loader.process.exitCode === null,
      );
    } finally {
      // Read before stopping: /proc/<pid> is gone once it exited.
      rss = loader.process.exitCode === null ? loader.peakRssMb() : 0;
      await loader.stop();
    }
    const seconds = (done.lastCommitMs! - started) / 1000;
    const rowsPerSecond = done.rows / seconds;
    const steadySeconds = (done.lastCommitMs! - done.firstCommitMs!) / 1000;

    options.log('ceiling: raw COPY of the same rows');
    const copy = await rawCopyRate(stack.postgres.url, envelopes, batchSize);
    if (copy.rows !== done.rows) {
      throw new Error(`the ceiling copied ${copy.rows} rows but the loader committed ${done.rows}`);
    }
    return [
      measurement(
        'loader.postgres',
        rowsPerSecond,
        'rows/s',
        { name: 'raw COPY of the same rows', value: round(copy.rowsPerSecond, 1) },
        {
          target: { text: 'ratio ≥ 0.5', met: rowsPerSecond / copy.rowsPerSecond >= 0.5 },
          notes:
            `${options.events} events = ${done.rows} rows (tracks + one event table each) in ${done.batches} batches ` +
            `of ≤ ${batchSize} events, ${round(seconds, 2)} s from process start ` +
            `(${round(options.events / seconds, 0)} events/s; ${round(steadySeconds, 2)} s first to last COMMIT)`,
        },
      ),
      measurement('loader.rss', rss, 'MB', null, {
        target: {
          text: `≤ ${LOADER_RSS_TARGET_MB} MB with default settings`,
          met: rss <= LOADER_RSS_TARGET_MB,
        },
        notes: `peak RSS (VmHWM) of the loader draining the stream with batches of ${batchSize} events (~1 KB each), ${limit}`,
      }),
    ];
  } finally {
    await client.end();
    await stack.dispose();
  }
}
