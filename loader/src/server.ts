/**
 * The running loader: warehouse, S3 stager, the JetStream consumer, the batch loop and the health
 * server, wired from one Config. `close()` shuts down without losing anything: stop pulling, let
 * the batch in flight finish its current attempt (or hand it back unacked), hand back whatever was
 * buffered, drain NATS, close the warehouse.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectNats, ensureStream, requireSetting, type Config, type Logger } from '@eventpipe/core';
import { nakAll } from './ack.js';
import { Batcher } from './batch.js';
import { consumeMessages, ensureConsumer, type Delivery } from './consume.js';
import { startHealthServer } from './health.js';
import { createPipeline, type Checkpoint } from './pipeline.js';
import { createLoaderMetrics } from './pipeline-metrics.js';
import { createStager } from './stage.js';
import { createPostgresWarehouse, isPermanentLoadError } from './load/postgres/index.js';
import { createRedshiftWarehouse, isPermanentRedshiftError } from './load/redshift/index.js';
import { transform } from './transform/index.js';
import type { Warehouse } from './load/warehouse.js';
import type { EnrichedEvent } from './transform/types.js';
import type { Envelope } from '@eventpipe/core';

export interface RunningLoader {
  /** The health server's port (useful when `loader.healthPort` is 0). */
  healthPort: number;
  close(): Promise<void>;
}

export interface LoaderOptions {
  /**
   * TEST ONLY: kill this process with SIGKILL at a checkpoint, to prove exactly-once across crashes.
   * `eventpipe loader` sets it from `EVENTPIPE_TEST_CRASH_AT`; never set it in production.
   */
  crashAt?: Checkpoint;
}

const RETRY = { baseMs: 500, maxMs: 5_000 };

export function createWarehouse(
  config: Config,
  log: Logger,
): { warehouse: Warehouse; isPermanent: (e: unknown) => boolean } {
  requireSetting(config.warehouse.url, ['warehouse', 'url'], 'the loader needs a warehouse to load into');
  if (config.warehouse.kind === 'redshift') {
    return { warehouse: createRedshiftWarehouse(config, log), isPermanent: isPermanentRedshiftError };
  }
  return { warehouse: createPostgresWarehouse(config.warehouse, log), isPermanent: isPermanentLoadError };
}

/** The enrichment seam: no enrichment yet, each event goes on as it came. */
export function enrich(envelopes: Envelope[]): EnrichedEvent[] {
  return envelopes.map((envelope) => ({ envelope }));
}

/** Start-up failures name the dependency and the settings to check. */
async function startStep(what: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    throw new Error(`loader start-up: ${what} not usable: ${(error as Error).message}`, { cause: error });
  }
}

export async function startLoader(
  config: Config,
  log: Logger,
  options: LoaderOptions = {},
): Promise<RunningLoader> {
  const { warehouse, isPermanent } = createWarehouse(config, log);
  const stager = createStager(config.s3, log);
  const cleanups: (() => Promise<void> | void)[] = [() => warehouse.close(), () => stager.close()];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    await startStep('warehouse (EVENTPIPE_WAREHOUSE_URL)', () => warehouse.init());
    await startStep(`S3 bucket ${config.s3.bucket} (EVENTPIPE_S3_*)`, () => stager.ensureBucket());
    const nc = await connectNats(config.nats, log, 'eventpipe-loader');
    cleanups.push(() => nc.drain());
    const jsm = config.nats.manageStream ? await ensureStream(nc, config.nats) : await jetstreamManager(nc);
    await ensureConsumer(jsm, config, log);

    const metrics = createLoaderMetrics(
      async () => (await jsm.consumers.info(config.nats.stream, config.loader.consumer)).num_pending,
    );
    const stopping = new AbortController();
    let failing: string | undefined;
    let loopError: Error | undefined;
    const health = await startHealthServer(
      config.loader.healthHost,
      config.loader.healthPort,
      {
        notLive: () => loopError && `batch loop stopped: ${loopError.message}`,
        notReady: () => loopError?.message ?? (stopping.signal.aborted ? 'shutting down' : failing),
      },
      metrics.registry,
    );
    cleanups.push(() => health.close());

    const pipeline = createPipeline({
      log,
      warehouse,
      stager,
      enrich,
      transform,
      isPermanentLoadError: isPermanent,
      flush: () => nc.flush(),
      metrics,
      retry: RETRY,
      maxDeliver: config.loader.maxDeliver,
      // A third of ack_wait: two lost working() calls still leave the batch ours.
      keepAliveMs: Math.max(1_000, (config.loader.ackWaitSeconds * 1000) / 3),
      checkpoint: options.crashAt
        ? (at) => {
            if (at !== options.crashAt) return;
            log.warn({ at }, 'TEST ONLY: crashing on purpose (EVENTPIPE_TEST_CRASH_AT)');
            process.kill(process.pid, 'SIGKILL');
          }
        : undefined,
      onHealth: (reason) => {
        failing = reason;
      },
    });

    const messages = await consumeMessages(jetstream(nc), config, log);
    const batcher = new Batcher(messages[Symbol.asyncIterator]() as AsyncIterator<Delivery>, {
      maxEvents: config.loader.batchMaxEvents,
      maxBytes: config.loader.batchMaxBytes,
      maxAgeMs: config.loader.batchMaxAgeMs,
    });

    const loop = (async () => {
      for (let batch = await batcher.next(); batch; batch = await batcher.next()) {
        // After close() the buffered messages still come through: hand them back at once.
        if (stopping.signal.aborted) nakAll(batch.deliveries);
        else await pipeline.process(batch, stopping.signal);
      }
    })().catch((error: Error) => {
      loopError = error;
      log.fatal({ err: error }, 'loader loop stopped');
    });
    log.info(
      { stream: config.nats.stream, consumer: config.loader.consumer, healthPort: health.port },
      'loader started',
    );

    return {
      healthPort: health.port,
      async close() {
        stopping.abort();
        const closed = messages.close();
        await loop;
        await closed;
        await cleanup();
        log.info('loader stopped');
      },
    };
  } catch (error) {
    await cleanup().catch((e: unknown) => log.warn({ err: e }, 'cleanup after failed start'));
    throw error;
  }
}
