/**
 * e2e.postgres and e2e.latency.p50/p95/p99: everything running (collector and loader as child
 * processes, nats-server, PostgreSQL, S3), events sent over HTTP and counted once committed.
 *
 * - Throughput: autocannon offers `offeredRate` events/s on `POST /v1/batch` for the duration; the
 *   result is the accepted events divided by the time from the first request to the COMMIT of the
 *   last of them, so a loader that falls behind pays for its backlog.
 * - Latency: a paced sender (one request of `LATENCY_BATCH` events every few ms, send time recorded
 *   per messageId) at a moderate rate, and a poller asking PostgreSQL every `POLL_MS` which of the
 *   outstanding ids are queryable. Latency = first poll that sees the id − send time, so it includes
 *   up to one poll interval.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as hdr from 'hdr-histogram-js';
import { freePort } from '@eventpipe/local';
import type pg from 'pg';
import { BENCH_SOURCE, BENCH_WRITE_KEY, benchEvent } from '../event.js';
import { runHttpLoad } from '../http-load.js';
import { startChild, waitForHttp } from '../processes.js';
import { measurement, round, type Measurement } from '../results.js';
import { startStack } from '../stack.js';
import { connectPostgres, loadProgress, waitForCommitted } from '../warehouse.js';

export interface E2eBenchOptions {
  durationSeconds: number;
  /** Events/s autocannon offers in the throughput phase. */
  offeredRate: number;
  latencySeconds: number;
  /** Events/s of the latency phase. */
  latencyRate: number;
  log: (line: string) => void;
}

const BATCH_EVENTS = 100;
const LATENCY_BATCH = 10;
const POLL_MS = 50;
/** Bound on waiting for the backlog after the load stops. */
const DRAIN_TIMEOUT_MS = 120_000;

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
  const intervalMs = (1000 * LATENCY_BATCH) / rate;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let failed = 0;
  for (let i = 0; performance.now() - started < seconds * 1000; i++) {
    const { body, ids } = batchBody(runId, LATENCY_BATCH);
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

export async function benchE2e(options: E2eBenchOptions): Promise<Measurement[]> {
  const stack = await startStack();
  const client = await connectPostgres(stack.postgres.url);
  const port = await freePort();
  const collector = startChild(['collector'], { ...stack.env, EVENTPIPE_COLLECTOR_PORT: String(port) });
  const loader = startChild(['loader'], stack.env);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`);
    const runId = `e${Date.now()}`;

    options.log(`e2e: ${options.offeredRate} events/s offered on /v1/batch for ${options.durationSeconds} s`);
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
    options.log(`e2e: ${accepted} events accepted, waiting for the loader to commit them`);
    const done = await waitForCommitted(
      client,
      accepted,
      DRAIN_TIMEOUT_MS,
      () => loader.process.exitCode === null,
    );
    const seconds = (done.lastCommitMs! - started) / 1000;
    const eventsPerSecond = accepted / seconds;

    options.log(`latency: ${options.latencyRate} events/s for ${options.latencySeconds} s`);
    const poller = startLatencyPoller(client, `"${BENCH_SOURCE}"."tracks"`);
    const sent = await pacedSend(
      `http://127.0.0.1:${port}/v1/batch`,
      runId,
      options.latencyRate,
      options.latencySeconds,
      poller.add,
    );
    const histogram = await poller.finish(30_000);
    const collectorRss = collector.peakRssMb();
    const loaderRss = loader.peakRssMb();
    const total = await loadProgress(client);

    const latency = (p: number) => histogram.getValueAtPercentile(p);
    const latencyNote =
      `${histogram.totalCount} events at ${options.latencyRate} events/s (${LATENCY_BATCH} per request), ` +
      `${sent.failed} of ${sent.requests} requests refused, polled every ${POLL_MS} ms; max ${histogram.maxValue} ms`;
    return [
      measurement('e2e.postgres', eventsPerSecond, 'events/s', null, {
        target: { text: '≥ 10,000 events/s on 2 cores', met: eventsPerSecond >= 10_000 },
        notes:
          `${accepted} events accepted at ${round(load.requestsPerSecond * BATCH_EVENTS, 0)}/s (${options.offeredRate}/s offered), ` +
          `committed ${round(seconds, 1)} s after the first request; non-2xx ${load.non2xx}, errors ${load.errors}; ` +
          `load generator CPU ${Math.round(load.loadGeneratorCpuShare * 100)}%; peak RSS collector ${round(collectorRss, 0)} MB, ` +
          `loader ${round(loaderRss, 0)} MB; ${total.batches} batches in all`,
      }),
      measurement('e2e.latency.p50', latency(50), 'ms', null, { notes: latencyNote }),
      measurement('e2e.latency.p95', latency(95), 'ms', null, {
        target: { text: '≤ 5,000 ms', met: latency(95) <= 5_000 },
        notes: latencyNote,
      }),
      measurement('e2e.latency.p99', latency(99), 'ms', null, { notes: latencyNote }),
    ];
  } finally {
    await Promise.allSettled([collector.stop(), loader.stop()]);
    await client.end();
    await stack.dispose();
  }
}
