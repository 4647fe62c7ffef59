/**
 * collector.single, collector.batch and collector.rss, each beside its ceiling:
 * bare fastify for the single path, pipelined raw JetStream publish (ceilings/raw-publish.ts) for the
 * batch path; and
 * collector.single.traced, the single path with OpenTelemetry tracing on (exporting OTLP to a
 * sink), beside collector.single: what tracing costs, and that without an exporter it costs nothing.
 */
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { ensureStream, loadConfig } from '@eventpipe/core';
import { startNats, freePort } from '@eventpipe/local';
import { BENCH_SOURCE, BENCH_WRITE_KEY, benchEnvelope, benchEvent, outgoing } from '../event.js';
import { runHttpLoad, type HttpLoadResult } from '../http-load.js';
import { describeMemoryLimit, startChild, waitForHttp } from '../processes.js';
import { rawPublishRate, type RawMessage } from '../ceilings/raw-publish.js';
import { measurement, round, type Measurement } from '../results.js';

const BATCH_SIZE = 100;
const bareFastify = fileURLToPath(new URL('../ceilings/bare-fastify.js', import.meta.url));
const otlpSink = fileURLToPath(new URL('../ceilings/otlp-sink.js', import.meta.url));

export interface CollectorBenchOptions {
  durationSeconds: number;
  connections: number;
  log: (line: string) => void;
}

const headers = {
  'content-type': 'application/json',
  authorization: `Basic ${Buffer.from(`${BENCH_WRITE_KEY}:`).toString('base64')}`,
};

function describe(load: HttpLoadResult): string {
  return `p99 ${round(load.latencyP99Ms, 1)} ms, non-2xx ${load.non2xx}, errors ${load.errors}, load generator CPU ${Math.round(load.loadGeneratorCpuShare * 100)}%`;
}

async function rawPublishOnFreshServer(messages: RawMessage[]): Promise<number> {
  const nats = await startNats();
  try {
    const nc = await connect({ servers: nats.url });
    await ensureStream(nc, loadConfig({}).nats).finally(() => nc.close());
    return await rawPublishRate(nats.url, messages);
  } finally {
    await nats.dispose();
  }
}

export async function benchCollector(options: CollectorBenchOptions): Promise<Measurement[]> {
  const nats = await startNats();
  const runId = `c${Date.now()}`;
  const singleBody = () => JSON.stringify(benchEvent(runId));
  const batchBody = () =>
    JSON.stringify({
      batch: Array.from({ length: BATCH_SIZE }, () => benchEvent(runId)),
      sentAt: new Date().toISOString(),
    });
  try {
    options.log('ceiling: bare fastify, POST /v1/track');
    const barePort = await freePort();
    const bare = startChild([String(barePort)], {}, bareFastify);
    await waitForHttp(`http://127.0.0.1:${barePort}/health/ready`);
    const bareLoad = await runHttpLoad({
      url: `http://127.0.0.1:${barePort}/v1/track`,
      headers,
      body: singleBody,
      connections: options.connections,
      durationSeconds: options.durationSeconds,
    });
    await bare.stop();

    const port = await freePort();
    const collector = startChild(['collector'], {
      EVENTPIPE_NATS_URL: nats.url,
      EVENTPIPE_SOURCES: `${BENCH_SOURCE}:${BENCH_WRITE_KEY}`,
      EVENTPIPE_COLLECTOR_HOST: '127.0.0.1',
      EVENTPIPE_COLLECTOR_PORT: String(port),
      EVENTPIPE_COLLECTOR_METRICS_PORT: '0',
    });
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`);

    options.log('collector: POST /v1/track');
    const single = await runHttpLoad({
      url: `http://127.0.0.1:${port}/v1/track`,
      headers,
      body: singleBody,
      connections: options.connections,
      durationSeconds: options.durationSeconds,
    });

    options.log(`collector: POST /v1/batch (${BATCH_SIZE} events per request)`);
    const batch = await runHttpLoad({
      url: `http://127.0.0.1:${port}/v1/batch`,
      headers,
      body: batchBody,
      connections: Math.max(2, Math.floor(options.connections / 4)),
      durationSeconds: options.durationSeconds,
    });
    const collectorRss = collector.peakRssMb();
    await collector.stop();

    options.log('collector with tracing on (OTLP to a sink): POST /v1/track');
    const sinkPort = await freePort();
    const sink = startChild([String(sinkPort)], {}, otlpSink);
    const tracedPort = await freePort();
    const traced = startChild(['collector'], {
      EVENTPIPE_NATS_URL: nats.url,
      EVENTPIPE_SOURCES: `${BENCH_SOURCE}:${BENCH_WRITE_KEY}`,
      EVENTPIPE_COLLECTOR_HOST: '127.0.0.1',
      EVENTPIPE_COLLECTOR_PORT: String(tracedPort),
      EVENTPIPE_COLLECTOR_METRICS_PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
    });
    await waitForHttp(`http://127.0.0.1:${tracedPort}/health/ready`);
    const tracedSingle = await runHttpLoad({
      url: `http://127.0.0.1:${tracedPort}/v1/track`,
      headers,
      body: singleBody,
      connections: options.connections,
      durationSeconds: options.durationSeconds,
    });
    await traced.stop();
    await sink.stop();

    // On a fresh server: the collector's run left ~10^6 messages and their dedup ids in this one,
    // which slows publishing down, and the ceiling must not be handicapped.
    options.log('ceiling: raw JetStream publish of the same envelopes');
    const rawRate = await rawPublishOnFreshServer(
      Array.from({ length: 100_000 }, () => outgoing(benchEnvelope(runId))),
    );

    const batchEventsPerSecond = batch.requestsPerSecond * BATCH_SIZE;
    return [
      measurement(
        'collector.single',
        single.requestsPerSecond,
        'events/s',
        { name: 'bare fastify', value: round(bareLoad.requestsPerSecond, 1) },
        {
          target: { text: 'ratio ≥ 0.5', met: single.requestsPerSecond / bareLoad.requestsPerSecond >= 0.5 },
          notes: describe(single),
        },
      ),
      measurement(
        'collector.batch',
        batchEventsPerSecond,
        'events/s',
        { name: 'raw JetStream publish, pipelined', value: round(rawRate, 1) },
        {
          target: { text: 'ratio ≥ 0.5', met: batchEventsPerSecond / rawRate >= 0.5 },
          notes: describe(batch),
        },
      ),
      measurement(
        'collector.single.traced',
        tracedSingle.requestsPerSecond,
        'events/s',
        { name: 'collector.single, tracing off', value: round(single.requestsPerSecond, 1) },
        {
          // No target yet: the cost of tracing on is being measured, not bounded (see docs/operations.md).
          notes: `${describe(tracedSingle)}; a server span and a producer span per event, exported as OTLP http/protobuf`,
        },
      ),
      measurement('collector.rss', collectorRss, 'MB', null, {
        target: { text: '≤ 200 MB', met: collectorRss <= 200 },
        notes: `peak RSS (VmHWM) of the collector process over the single and batch runs, ${describeMemoryLimit(collector)}`,
      }),
    ];
  } finally {
    await nats.dispose();
  }
}
