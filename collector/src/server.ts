/**
 * The running collector: NATS connection, the stream (when this process manages it), the HTTP
 * server, and a graceful close that loses nothing: stop accepting, let in-flight requests get their
 * PubAcks, then drain NATS.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import {
  connectNats,
  ensureStream,
  exportRegistry,
  startMetricsServer,
  tracingStarted,
  type Config,
  type Logger,
} from '@eventpipe/core';
import { createCollectorMetrics } from './metrics.js';
import { buildApp } from './app.js';
import { createPublisher } from './publish.js';
import { createReadiness } from './readiness.js';
import { rejectionPublisher } from './rejections.js';

export interface RunningCollector {
  /** Base URL the collector listens on, with the real port when `collector.port` was 0. */
  url: string;
  /** Where Prometheus scrapes `/metrics` (its own port, `collector.metricsPort`). */
  metricsUrl: string;
  close(): Promise<void>;
}

/** Rejection records published per second at most (see rejections.ts). */
const REJECTIONS_PER_SECOND = 50;

/** A readiness answer stays valid this long, so probes do not each cost a JetStream API call. */
const READINESS_CACHE_MS = 1_000;

export async function startCollector(config: Config, log: Logger): Promise<RunningCollector> {
  const nc = await connectNats(config.nats, log, 'eventpipe-collector');
  try {
    if (config.nats.manageStream) {
      await ensureStream(nc, config.nats);
      log.info({ stream: config.nats.stream }, 'stream created or updated');
    }
    // A short API timeout: a probe must answer before the prober gives up on it.
    const jsm = await jetstreamManager(nc, { timeout: READINESS_CACHE_MS, checkAPI: false });
    const publisher = createPublisher(nc, {
      timeoutMs: config.collector.publishTimeoutMs,
      retryAfterSeconds: config.collector.retryAfterSeconds,
      maxInflightEvents: config.collector.maxInflightEvents,
      maxInflightBytes: config.collector.maxInflightBytes,
    });
    const metrics = createCollectorMetrics();
    metrics.measureInflight(publisher.inflight, publisher.inflightBytes);
    const unexport = exportRegistry(metrics.registry);
    const app = buildApp({
      config,
      log,
      metrics,
      tracing: tracingStarted(),
      publish: publisher.publish,
      recordRejection: rejectionPublisher(
        (subject, data) => nc.publish(subject, data),
        config.nats.subjectPrefix,
        REJECTIONS_PER_SECOND,
      ),
      readiness: createReadiness(nc, jsm, {
        stream: config.nats.stream,
        cacheMs: READINESS_CACHE_MS,
        headroomBytes: config.collector.maxEventBytes,
      }),
    });
    await app.listen({ host: config.collector.host, port: config.collector.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.collector.port;
    const host = ['0.0.0.0', '::', ''].includes(config.collector.host) ? '127.0.0.1' : config.collector.host;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const url = `http://${hostPart}:${port}`;
    const metricsServer = await startMetricsServer(
      config.collector.metricsHost,
      config.collector.metricsPort,
      metrics.registry,
    ).catch(async (error: Error) => {
      await app.close();
      throw new Error(`collector metrics port ${config.collector.metricsPort}: ${error.message}`, {
        cause: error,
      });
    });
    const metricsHost = ['0.0.0.0', '::', ''].includes(config.collector.metricsHost)
      ? '127.0.0.1'
      : config.collector.metricsHost;
    const metricsUrl = `http://${metricsHost.includes(':') ? `[${metricsHost}]` : metricsHost}:${metricsServer.port}/metrics`;

    let closing: Promise<void> | undefined;
    const close = async () => {
      // fastify.close() stops the listener, answers new requests on open connections with 503 and
      // waits for the in-flight ones (and the publisher for those whose client hung up); only then can
      // NATS drain without cutting a publish short.
      await app.close();
      await publisher.idle();
      await nc.drain();
      await metricsServer.close();
      unexport();
      log.info('collector stopped');
    };
    return { url, metricsUrl, close: () => (closing ??= close()) };
  } catch (error) {
    await nc.close();
    throw error;
  }
}
