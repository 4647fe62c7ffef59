/**
 * The running console: a NATS connection (live events, rejections), a warehouse pool, the metrics
 * scraper, and the HTTP server on `console.port`.
 */
import { fileURLToPath } from 'node:url';
import { connectNats, rejectionWildcard, type Config, type Logger } from '@eventpipe/core';
import { openDeadLetters } from '@eventpipe/loader';
import { buildConsoleApp, type SubscribeLive } from './app.js';
import { parseRejection, RejectionRing } from './rejections.js';
import { createConsoleWarehouse } from './warehouse.js';
import { startMetricsHistory } from './metrics-history.js';

export interface RunningConsole {
  /** Base URL the console listens on, with the real port when `console.port` was 0. */
  url: string;
  close(): Promise<void>;
}

/** Vite writes the front-end beside the compiled server (see web/vite.config.ts). */
export const WEB_DIR = fileURLToPath(new URL('./web', import.meta.url));

/** The sources to show: the console's own list of ids, else those of the configured sources. */
export function consoleSourceIds(config: Pick<Config, 'console' | 'sources'>): string[] {
  return config.console.sourceIds.length > 0 ? config.console.sourceIds : config.sources.map((s) => s.id);
}

export async function startConsole(config: Config, log: Logger): Promise<RunningConsole> {
  const { adminToken } = config.console;
  if (!adminToken) throw new Error('the console needs an admin token: set EVENTPIPE_CONSOLE_ADMIN_TOKEN');
  const prefix = config.nats.subjectPrefix;
  const nc = await connectNats(config.nats, log, 'eventpipe-console');
  const warehouse = createConsoleWarehouse(config.warehouse);
  // Connects to the warehouse when first listed, to NATS when first redriven.
  const deadLetters = openDeadLetters(config, log);
  const history = startMetricsHistory({
    collectorUrl: config.console.collectorMetricsUrl,
    loaderUrl: config.console.loaderMetricsUrl,
    intervalMs: config.console.scrapeIntervalMs,
  });
  try {
    const rejections = new RejectionRing(config.console.rejectionsPerSource);
    nc.subscribe(rejectionWildcard(prefix), {
      callback: (error, msg) => {
        if (error) return;
        const rejection = parseRejection(msg.string(), msg.subject.slice(msg.subject.lastIndexOf('.') + 1));
        if (rejection) rejections.add(rejection);
      },
    });
    // A core subscription per browser: JetStream's consumers, the loaders' included, are untouched.
    const subscribeLive: SubscribeLive = async (sourceId, deliver) => {
      const subscription = nc.subscribe(`${prefix}.${sourceId}.>`, {
        callback: (error, msg) => {
          if (!error) deliver(msg.data);
        },
      });
      await nc.flush();
      return () => subscription.unsubscribe();
    };
    const app = buildConsoleApp({
      adminToken,
      sourceIds: consoleSourceIds(config),
      log,
      subscribeLive,
      rejections,
      warehouse,
      history,
      deadLetters,
      webDir: WEB_DIR,
      ready: () => !nc.isClosed() && !nc.isDraining(),
    });
    await app.listen({ host: config.console.host, port: config.console.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.console.port;
    const host = ['0.0.0.0', '::', ''].includes(config.console.host) ? '127.0.0.1' : config.console.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    let closing: Promise<void> | undefined;
    const close = async () => {
      await app.close();
      history.stop();
      await nc.drain();
      await deadLetters.close();
      await warehouse.close();
      log.info('console stopped');
    };
    return { url, close: () => (closing ??= close()) };
  } catch (error) {
    history.stop();
    await nc.close();
    await deadLetters.close();
    await warehouse.close();
    throw error;
  }
}
