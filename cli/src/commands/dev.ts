import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createLogger } from '@eventpipe/core';
import type { Command } from '../command.js';
import { untilSignal } from '../process.js';
import { devBanner, devJsonLine } from '../dev/banner.js';

const usage = `Usage: eventpipe dev [--data-dir DIR] [--port N] [--json] [--otlp URL]

Runs the whole pipeline locally: nats-server (JetStream), PostgreSQL, an S3 API server, one
collector and one loader, with a demo source and the built-in enrichments, and the console. Data
stays in the data dir across restarts; Ctrl-C stops everything cleanly.

Options:
  --data-dir DIR   where every server keeps its data (default ./.eventpipe)
  --port N         collector port on 127.0.0.1 (default 8080; 0 = any free port)
  --json           print one JSON line when ready (collectorUrl, writeKey, sourceId, warehouseUrl,
                   warehouseSchema, s3Url, bucket, metricsUrls, consoleUrl, consoleToken) and nothing
                   else on stdout
  --otlp URL       send traces to this OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318 (a local
                   Jaeger or OpenTelemetry Collector); the standard OTEL_* variables apply too

Logs (JSON) go to stderr; EVENTPIPE_LOG_LEVEL and the other EVENTPIPE_* tuning variables apply.`;

const STOP_AFTER_FAILURE_MS = 5_000;

export const devCommand: Command = {
  name: 'dev',
  summary: 'run the whole pipeline locally (NATS, PostgreSQL, S3, collector, loader)',
  usage,
  run: async (argv) => {
    const { values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string', default: './.eventpipe' },
        port: { type: 'string', default: '8080' },
        json: { type: 'boolean', default: false },
        // Read by the executable's telemetry start-up (cli/src/telemetry.ts), before this runs.
        otlp: { type: 'string' },
      },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`--port: "${values.port}" is not a port number`);
    }
    const level = process.env.EVENTPIPE_LOG_LEVEL ?? 'info';
    const logger = (component: string) => createLogger(component, level, {}, process.stderr);
    const log = logger('dev');
    const started = Date.now();
    // Signals during start-up wait for it to finish, then stop what was started.
    const signal = untilSignal();
    const { startDev } = await import('../dev/environment.js');
    const dev = await startDev({ dataDir: values['data-dir'], port, logger });
    const readyMs = Date.now() - started;
    log.info({ readyMs }, 'eventpipe dev ready');
    console.log(values.json ? devJsonLine(dev.info) : devBanner(dev.info, readyMs, values['data-dir']));

    const outcome = await Promise.race([signal, dev.failed]);
    if (outcome instanceof Error) {
      // One server is gone, so stopping the rest may wait forever (draining a dead NATS): it gets a
      // bound, and whatever is still running then is stopped by its supervisor once this process ends.
      await Promise.race([dev.stop(), sleep(STOP_AFTER_FAILURE_MS)]);
      throw outcome;
    }
    log.info({ signal: outcome }, 'stopping eventpipe dev');
    await dev.stop();
    log.info('eventpipe dev stopped');
    return 0;
  },
};
