/**
 * The whole pipeline on one machine for `eventpipe dev`: nats-server, PostgreSQL and an S3 API server
 * with their data kept under one data dir, plus one collector and one loader in this process, with
 * the enrichments that ship with eventpipe turned on.
 *
 * Start order follows the data path (servers, then the loader that drains, then the collector that
 * accepts); stop order is its reverse, so everything the collector acknowledged is either loaded
 * or still safe in the JetStream store for the next start.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type Config, type Logger } from '@eventpipe/core';
import { startNats, startPostgres, startS3, S3RVER_CREDENTIALS } from '@eventpipe/local';
import { startCollector } from '@eventpipe/collector';
import { DEFAULT_ENRICHMENTS, startLoader } from '@eventpipe/loader';
import { startConsole } from '@eventpipe/console';
import { acquireDevLock } from './lock.js';
import { stopOrphanPostgres } from './orphans.js';
import { choosePorts } from './ports.js';
import { newConsoleToken, newDevState, readDevState, writeDevState } from './state.js';
import type { DevInfo } from './banner.js';
import type { DevSettings } from './running.js';

export interface DevOptions {
  dataDir: string;
  /** Collector port on 127.0.0.1; 0 picks a free one. */
  port: number;
  env?: NodeJS.ProcessEnv;
  /** One logger per component, so each line says which one wrote it. */
  logger(component: 'dev' | 'collector' | 'loader' | 'console'): Logger;
}

export interface DevEnvironment {
  info: DevInfo;
  config: Config;
  /** Resolves when one of the servers exits on its own: dev must then stop and exit non-zero. */
  failed: Promise<Error>;
  /** Stops the collector, drains the loader, then stops the servers and frees the data dir. */
  stop(): Promise<void>;
}

/** Runs `steps` in reverse order, logging (not throwing) failures so every later step still runs. */
async function unwind(steps: (() => Promise<void> | void)[], log: Logger): Promise<void> {
  for (const step of steps.reverse()) {
    try {
      await step();
    } catch (error) {
      log.error({ err: error }, 'eventpipe dev: a component did not stop cleanly');
    }
  }
}

/**
 * Awaits every start, registers the stop of each one that succeeded, then throws the first failure:
 * unlike Promise.all, no server that was still starting when another failed is left running.
 */
async function startAll<T extends readonly Promise<{ stop(): Promise<void> }>[]>(
  starts: T,
  cleanups: (() => Promise<void> | void)[],
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(starts);
  for (const result of results) {
    if (result.status === 'fulfilled') cleanups.push(() => result.value.stop());
  }
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

export async function startDev(options: DevOptions): Promise<DevEnvironment> {
  const dataDir = resolve(options.dataDir);
  const log = options.logger('dev');
  mkdirSync(dataDir, { recursive: true });
  const lock = acquireDevLock(dataDir);
  if (lock.recoveredStale) log.warn({ dataDir }, 'removed the lock of a previous run that was killed');
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];

  try {
    const remembered = readDevState(dataDir) ?? newDevState();
    const state = { ...remembered, consoleToken: remembered.consoleToken ?? newConsoleToken() };
    const postgresDir = join(dataDir, 'postgres');
    await stopOrphanPostgres(postgresDir, log);
    const ports = await choosePorts(state.ports);
    // Defaults of dev mode; EVENTPIPE_* variables still override them (e.g. EVENTPIPE_LOADER_ENRICHMENTS='[]').
    const base = loadConfig(options.env ?? process.env, {
      loader: { healthHost: '127.0.0.1', healthPort: 0, enrichments: [...DEFAULT_ENRICHMENTS] },
      collector: { metricsHost: '127.0.0.1', metricsPort: 0 },
    });

    let reportFailure: (error: Error) => void = () => {};
    const failed = new Promise<Error>((resolveFailure) => (reportFailure = resolveFailure));
    const onUnexpectedExit = (error: Error) => {
      log.error({ err: error }, 'eventpipe dev: a server exited; stopping everything');
      reportFailure(error);
    };
    // Every server that did start is stopped again when another one fails to.
    const [nats, postgres, s3] = await startAll(
      [
        startNats({ storeDir: join(dataDir, 'nats'), port: ports.nats, onUnexpectedExit }),
        startPostgres({ dataDir: postgresDir, port: ports.postgres, onUnexpectedExit }),
        startS3({ dataDir: join(dataDir, 's3'), port: ports.s3, bucket: base.s3.bucket }),
      ] as const,
      cleanups,
    );

    // The servers are this process's own: their addresses override whatever the environment says.
    // Written to state.json too, for the commands run beside dev (replay, send).
    const settings: DevSettings = {
      nats: { url: nats.url },
      s3: { endpoint: s3.url, forcePathStyle: true, bucket: base.s3.bucket, ...S3RVER_CREDENTIALS },
      warehouse: { kind: 'postgres', url: postgres.url },
      loader: { enrichments: base.loader.enrichments },
    };
    const config: Config = {
      ...base,
      sources: [{ id: state.sourceId, writeKeys: [state.writeKey] }],
      nats: { ...base.nats, ...settings.nats },
      collector: { ...base.collector, host: '127.0.0.1', port: options.port },
      s3: { ...base.s3, ...settings.s3 },
      warehouse: { ...base.warehouse, ...settings.warehouse },
    };

    const loader = await startLoader(config, options.logger('loader'));
    cleanups.push(() => loader.close());
    const collector = await startCollector(config, options.logger('collector'));
    cleanups.push(() => collector.close());

    const metricsUrls = {
      collector: collector.metricsUrl,
      loader: `http://${config.loader.healthHost}:${loader.healthPort}/metrics`,
    };
    // EVENTPIPE_CONSOLE_ADMIN_TOKEN, when set, opens the console instead of the remembered token.
    const consoleToken = base.console.adminToken ?? state.consoleToken;
    const adminConsole = await startConsole(
      {
        ...config,
        console: {
          ...base.console,
          host: '127.0.0.1',
          port: ports.console,
          adminToken: consoleToken,
          collectorMetricsUrl: metricsUrls.collector,
          loaderMetricsUrl: metricsUrls.loader,
        },
      },
      options.logger('console'),
    );
    cleanups.push(() => adminConsole.close());

    writeDevState(dataDir, { ...state, ports, collectorUrl: collector.url, settings });
    return {
      config,
      failed,
      info: {
        collectorUrl: collector.url,
        writeKey: state.writeKey,
        sourceId: state.sourceId,
        warehouseUrl: postgres.url,
        warehouseSchema: state.sourceId,
        s3Url: s3.url,
        bucket: config.s3.bucket,
        metricsUrls,
        consoleUrl: adminConsole.url,
        consoleToken,
      },
      stop: () => unwind(cleanups, log),
    };
  } catch (error) {
    await unwind(cleanups, log);
    throw error;
  }
}
