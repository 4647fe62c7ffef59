/**
 * The running loader: enrichments, warehouse, S3 stager, the JetStream consumer, the batch loop,
 * the max-deliveries dead-letter watch and the health server, wired from one Config. `close()`
 * shuts down without losing anything: stop pulling, let the batches in flight finish their current
 * attempts (or give them up unacked), wait for the last pull request to end, hand back (nak) every
 * message still held, drain NATS, close the warehouse.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Registry } from 'prom-client';
import {
  ConfigError,
  connectNats,
  ensureStream,
  envName,
  exportRegistry,
  requireSetting,
  startHealthServer,
  type Config,
  type Logger,
} from '@eventpipe/core';
import { HandBack } from './pipeline/ack.js';
import { Batcher } from './batch.js';
import { ensureConsumer, pullDeliveries } from './consume.js';
import { createEnricher, EnrichmentConfigError, type Enricher } from './enrich/index.js';
import { watchMaxDeliveries } from './max-deliveries.js';
import { createLoaderMetrics } from './pipeline/metrics.js';
import { createPipeline, type Checkpoint } from './pipeline/runner.js';
import { runBatches } from './pipeline/scheduler.js';
import { createStager } from './stage.js';
import { WAREHOUSES } from './load/registry.js';
import { transform } from './transform/index.js';
import { schemaClashes } from './transform/source-schemas.js';
import type { Warehouse, WarehouseDeps } from './load/warehouse.js';

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

/**
 * The warehouse the configuration names. Refuses (ConfigError) sources whose ids map to one
 * warehouse schema, naming both, before anything connects.
 */
export function createWarehouse(config: Config, deps: WarehouseDeps): Warehouse {
  requireSetting(config.warehouse.url, ['warehouse', 'url'], 'the loader needs a warehouse to load into');
  const { rules, create } = WAREHOUSES[config.warehouse.kind];
  const clashes = schemaClashes(
    config.sources.map((s) => s.id),
    rules.maxIdentifierBytes,
  );
  if (clashes.length > 0) throw new ConfigError(`${envName(['sources'])}: ${clashes.join('; ')}`);
  return create(config, deps);
}

/**
 * The enrich step the configuration asks for (`loader.enrichments`, in order), shared by the loader
 * and replay so both produce the same rows. A bad name, module or option is a configuration error
 * naming the setting, so start-up stops with it. `registry` receives the enrichment error counter.
 */
export async function createEnrichStep(config: Config, log: Logger, registry?: Registry): Promise<Enricher> {
  try {
    return await createEnricher(config.loader.enrichments, log, { registry });
  } catch (error) {
    if (!(error instanceof EnrichmentConfigError)) throw error;
    throw new ConfigError(`${envName(['loader', 'enrichments'])}: ${error.message}`, { cause: error });
  }
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
  // Configuration first: a bad enrichment stops start-up before anything is connected.
  const metrics = createLoaderMetrics();
  const enrichStep = await createEnrichStep(config, log, metrics.registry);
  const stager = createStager(config.s3, log);
  const warehouse = createWarehouse(config, { log, stager });
  const cleanups: (() => Promise<void> | void)[] = [
    exportRegistry(metrics.registry),
    () => stager.close(),
    () => warehouse.close(),
  ];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    await startStep('warehouse (EVENTPIPE_WAREHOUSE_URL)', () => warehouse.init());
    await startStep(`S3 bucket ${config.s3.bucket} (EVENTPIPE_S3_*)`, () => stager.ensureBucket());
    const nc = await connectNats(config.nats, log, 'eventpipe-loader');
    cleanups.push(() => nc.drain());
    const jsm = config.nats.manageStream ? await ensureStream(nc, config.nats) : await jetstreamManager(nc);
    const ackWaitMs = await ensureConsumer(jsm, config, log);
    // A third of the consumer's ack_wait: two lost working() calls still leave the messages ours.
    const keepAliveMs = Math.max(1_000, ackWaitMs / 3);

    metrics.measurePending(async () => {
      const info = await jsm.consumers.info(config.nats.stream, config.loader.consumer);
      return {
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
      };
    });
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
      stageRowFiles: config.loader.stageRowFiles,
      enrich: enrichStep,
      transform,
      flush: () => nc.flush(),
      metrics,
      retry: RETRY,
      maxDeliver: config.loader.maxDeliver,
      keepAliveMs,
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
      trace: {
        stream: config.nats.stream,
        consumer: config.loader.consumer,
        maxLinks: config.loader.traceLinksMax,
      },
    });

    const maxDeliveries = watchMaxDeliveries({
      nc,
      jsm,
      stream: config.nats.stream,
      consumer: config.loader.consumer,
      log,
      warehouse,
      metrics,
      retry: RETRY,
    });
    cleanups.push(() => maxDeliveries.close());

    const js = jetstream(nc);
    const batcher = new Batcher(pullDeliveries(js, jsm, config, log, stopping.signal, keepAliveMs), {
      maxEvents: config.loader.batchMaxEvents,
      maxBytes: config.loader.batchMaxBytes,
      maxAgeMs: config.loader.batchMaxAgeMs,
    });
    const handBack = new HandBack();
    const loop = (async () => {
      // After close() the pull source ends once its last pull request has; the batches formed from
      // what it still delivers are held, not loaded.
      await runBatches(() => batcher.next(), pipeline, {
        maxInFlight: config.loader.maxBatchesInFlight,
        signal: stopping.signal,
        hold: (batch) => handBack.hold(batch.deliveries),
      });
      // No pull request of ours is open any more, so JetStream hands these to another loader at once.
      const count = await handBack.nakAll(() => nc.flush());
      if (count > 0) log.info({ messages: count }, 'handed back unloaded messages');
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
        await loop;
        await cleanup();
        log.info('loader stopped');
      },
    };
  } catch (error) {
    await cleanup().catch((e: unknown) => log.warn({ err: e }, 'cleanup after failed start'));
    throw error;
  }
}
