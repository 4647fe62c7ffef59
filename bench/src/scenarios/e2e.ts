/**
 * e2e.postgres (and e2e.postgres.2-loaders) and the e2e.latency figures: everything running
 * (collector and `loaders` loader processes on one consumer as child processes, nats-server,
 * PostgreSQL, S3), events sent over HTTP and counted once committed.
 *
 * - Throughput: autocannon offers `offeredRate` events/s on `POST /v1/batch` for the duration (more
 *   than the pipeline can take, so the result is its maximum); the result is the accepted events
 *   divided by the time from the first request to the COMMIT of the last of them, so a loader that
 *   falls behind pays for its backlog. Its ceiling: the raw COPY of the same kind of events in events/s,
 *   measured at the end of the scenario (the children stopped) on the same PostgreSQL.
 * - Latency (`latency: true`): a paced sender (requests of `latencyBatch` events, send time recorded
 *   per messageId) and a poller asking PostgreSQL every `POLL_MS` which of the outstanding ids are
 *   queryable. Latency = first poll that sees the id − send time, so it includes up to one poll
 *   interval. Measured twice: at `latencyRate` events/s, and at half the throughput just measured.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as hdr from 'hdr-histogram-js';
import { freePort } from '@eventpipe/local';
import type pg from 'pg';
import { loadConfig } from '@eventpipe/core';
import { BENCH_SOURCE, BENCH_WRITE_KEY, benchEnvelope, benchEvent } from '../event.js';
import { rawCopyRate } from '../ceilings/raw-copy.js';
import { runHttpLoad } from '../http-load.js';
import { describeMemoryLimit, startChild, waitForHttp } from '../processes.js';
import { measurement, round, type Measurement } from '../results.js';
import { startStack } from '../stack.js';
import { connectPostgres, loadProgress, waitForCommitted } from '../warehouse.js';

export interface E2eBenchOptions {
  durationSeconds: number;
  /** Events/s autocannon offers in the throughput phase. */
  offeredRate: number;
  latencySeconds: number;
  /** Events/s of the first latency phase (the second runs at half the measured throughput). */
  latencyRate: number;
  /** Loader processes sharing the consumer. */
  loaders: number;
  /** Measure latency too (the two-loader run measures throughput only). */
  latency: boolean;
  /** Events the raw COPY ceiling copies. */
  ceilingEvents: number;
  log: (line: string) => void;
}

const BATCH_EVENTS = 100;
/** Events per request of the paced sender: at least 10, and at most ~100 requests/s from this process. */
const latencyBatch = (rate: number) => Math.max(10, Math.ceil(rate / 100));
/** Targets (issue 14): ratios to the same run's raw COPY, and latency at two loads. */
const E2E_TARGET_RATIO = 0.3;
const LATENCY_P95_TARGET_MS = 1_000;
const HALF_MAX_LATENCY_P95_TARGET_MS = 5_000;
const POLL_MS = 50;
/** Bound on waiting for the backlog after the load stops (generous: shared machines are slow). */
const DRAIN_TIMEOUT_MS = 600_000;

const headers = {
  'content-type': 'application/json',
  authorization: `Basic ${Buffer.from(`${BENCH_WRITE_KEY}:`).toString('base64')}`,
};

function batchBody(runId: string, events: number): { body: string; ids: string[] } {
  const batch = Array.from({ length: events }, () => benchEvent(runId));
  return {
    body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
    ids: batch.map((e) => e.messageId as string),
  };
}

/** Sends `rate` events/s for `seconds`, calling `onSent` with each accepted request's ids and send time. */
async function pacedSend(
  url: string,
  runId: string,
  rate: number,
  seconds: number,
  onSent: (ids: string[], sentAt: number) => void,
): Promise<{ requests: number; failed: number }> {
  const perRequest = latencyBatch(rate);
  const intervalMs = (1000 * perRequest) / rate;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let failed = 0;
  for (let i = 0; performance.now() - started < seconds * 1000; i++) {
    const { body, ids } = batchBody(runId, perRequest);
    const sentAt = Date.now();
    inFlight.push(
      fetch(url, { method: 'POST', headers, body }).then(
        async (response) => {
          await response.arrayBuffer();
          if (response.ok) onSent(ids, sentAt);
          else failed += 1;
        },
        () => {
          failed += 1;
        },
      ),
    );
    // Paced against the schedule, not the previous send, so the rate does not drift.
    await sleep(Math.max(0, started + (i + 1) * intervalMs - performance.now()));
  }
  await Promise.all(inFlight);
  return { requests: inFlight.length, failed };
}

/** Polls the warehouse for outstanding ids until none is left or the deadline passes; returns the latencies. */
function startLatencyPoller(client: pg.ClientBase, table: string) {
  const sent = new Map<string, number>();
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000 });
  let stopped = false;
  const loop = (async () => {
    while (!stopped || sent.size > 0) {
      await sleep(POLL_MS);
      if (sent.size === 0) continue;
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM ${table} WHERE id = ANY($1::text[])`,
        [[...sent.keys()]],
      );
      const now = Date.now();
      for (const { id } of rows) {
        histogram.recordValue(Math.max(1, now - sent.get(id)!));
        sent.delete(id);
      }
    }
  })();
  return {
    add: (ids: string[], at: number) => ids.forEach((id) => sent.set(id, at)),
    /** Waits until every sent id was seen, or fails naming how many never showed up. */
    async finish(timeoutMs: number) {
      stopped = true;
      const timeout = sleep(timeoutMs).then(() => {
        throw new Error(`${sent.size} accepted events not queryable within ${timeoutMs} ms`);
      });
      await Promise.race([loop, timeout]);
      return histogram;
    },
  };
}

/** One latency phase: `rate` events/s for `seconds`, then the latencies of every accepted event. */
async function measureLatency(
  client: pg.ClientBase,
  url: string,
  runId: string,
  rate: number,
  seconds: number,
) {
  const poller = startLatencyPoller(client, `"${BENCH_SOURCE}"."tracks"`);
  const sent = await pacedSend(url, runId, rate, seconds, poller.add);
  const histogram = await poller.finish(30_000);
  const note =
    `${histogram.totalCount} events at ${round(rate, 0)} events/s (${latencyBatch(rate)} per request), ` +
    `${sent.failed} of ${sent.requests} requests refused, polled every ${POLL_MS} ms; ` +
    `p50 ${histogram.getValueAtPercentile(50)} ms, p99 ${histogram.getValueAtPercentile(99)} ms, max ${histogram.maxValue} ms`;
  return { percentile: (p: number) => histogram.getValueAtPercentile(p), note };
}

export async function benchE2e(options: E2eBenchOptions): Promise<Measurement[]> {
  const stack = await startStack();
  const client = await connectPostgres(stack.postgres.url);
  const port = await freePort();
  const collector = startChild(['collector'], { ...stack.env, EVENTPIPE_COLLECTOR_PORT: String(port) });
  const loaders = Array.from({ length: options.loaders }, () => startChild(['loader'], stack.env));
  const loadersAlive = () => loaders.every((loader) => loader.process.exitCode === null);
  const name = options.loaders === 1 ? 'e2e.postgres' : `e2e.postgres.${options.loaders}-loaders`;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`);
    const runId = `e${Date.now()}`;

    options.log(
      `${name}: ${options.offeredRate} events/s offered on /v1/batch for ${options.durationSeconds} s`,
    );
    const started = Date.now();
    const load = await runHttpLoad({
      url: `http://127.0.0.1:${port}/v1/batch`,
      headers,
      body: () => batchBody(runId, BATCH_EVENTS).body,
      connections: 4,
      durationSeconds: options.durationSeconds,
      rate: options.offeredRate / BATCH_EVENTS,
    });
    const accepted = load.ok * BATCH_EVENTS;
    options.log(`${name}: ${accepted} events accepted, waiting for the loader(s) to commit them`);
    const done = await waitForCommitted(client, accepted, DRAIN_TIMEOUT_MS, loadersAlive);
    const seconds = (done.lastCommitMs! - started) / 1000;
    const eventsPerSecond = accepted / seconds;

    const latencies: Measurement[] = [];
    if (options.latency) {
      const url = `http://127.0.0.1:${port}/v1/batch`;
      options.log(`latency: ${options.latencyRate} events/s for ${options.latencySeconds} s`);
      const low = await measureLatency(client, url, runId, options.latencyRate, options.latencySeconds);
      const halfMax = eventsPerSecond / 2;
      options.log(`latency: ${round(halfMax, 0)} events/s (half of ${name}) for ${options.latencySeconds} s`);
      const high = await measureLatency(client, url, runId, halfMax, options.latencySeconds);
      latencies.push(
        measurement('e2e.latency.p50', low.percentile(50), 'ms', null, { notes: low.note }),
        measurement('e2e.latency.p95', low.percentile(95), 'ms', null, {
          target: {
            text: `≤ ${LATENCY_P95_TARGET_MS.toLocaleString('en')} ms at ${options.latencyRate} events/s`,
            met: low.percentile(95) <= LATENCY_P95_TARGET_MS,
          },
          notes: low.note,
        }),
        measurement('e2e.latency.p99', low.percentile(99), 'ms', null, { notes: low.note }),
        measurement('e2e.latency.half-max.p95', high.percentile(95), 'ms', null, {
          target: {
            text: `≤ ${HALF_MAX_LATENCY_P95_TARGET_MS.toLocaleString('en')} ms at half of ${name}`,
            met: high.percentile(95) <= HALF_MAX_LATENCY_P95_TARGET_MS,
          },
          notes: high.note,
        }),
      );
    }
    const collectorRss = collector.peakRssMb();
    const loaderRss = loaders.map((loader) => round(loader.peakRssMb(), 0));
    const total = await loadProgress(client);
    await Promise.allSettled([collector.stop(), ...loaders.map((loader) => loader.stop())]);

    options.log(`ceiling: raw COPY of ${options.ceilingEvents} events`);
    const copy = await rawCopyRate(
      stack.postgres.url,
      Array.from({ length: options.ceilingEvents }, () => benchEnvelope(`${runId}c`)),
      loadConfig(stack.env).loader.batchMaxEvents,
    );
    const ratio = eventsPerSecond / copy.eventsPerSecond;
    return [
      measurement(
        name,
        eventsPerSecond,
        'events/s',
        { name: 'raw COPY of the same events', value: round(copy.eventsPerSecond, 1) },
        {
          target: { text: `ratio ≥ ${E2E_TARGET_RATIO}`, met: ratio >= E2E_TARGET_RATIO },
          notes:
            `${options.loaders} loader process(es) on one consumer; ` +
            `${accepted} events accepted at ${round(load.requestsPerSecond * BATCH_EVENTS, 0)}/s (${options.offeredRate}/s offered), ` +
            `committed ${round(seconds, 1)} s after the first request; non-2xx ${load.non2xx}, errors ${load.errors}; ` +
            `load generator CPU ${Math.round(load.loadGeneratorCpuShare * 100)}%; peak RSS collector ${round(collectorRss, 0)} MB ` +
            `(${describeMemoryLimit(collector)}), loader ${loaderRss.join(' / ')} MB (${describeMemoryLimit(loaders[0]!)}); ` +
            `${total.batches} batches in all`,
        },
      ),
      ...latencies,
    ];
  } finally {
    await Promise.allSettled([collector.stop(), ...loaders.map((loader) => loader.stop())]);
    await client.end();
    await stack.dispose();
  }
}
