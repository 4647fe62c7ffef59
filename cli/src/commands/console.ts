/**
 * `eventpipe console`: the admin web app (live events, rejected requests, schema, dead letters,
 * throughput and latency charts), on its own port, opened by the admin token. Runs until SIGTERM or
 * SIGINT.
 */
import { createLogger, loadConfig, requireSetting } from '@eventpipe/core';
import type { Command } from '../command.js';
import { settingsHelp, untilSignal } from '../process.js';

const SECTIONS = ['logLevel', 'sources', 'nats', 'warehouse', 'console'];

const usage = `Usage: eventpipe console

Serves the console on EVENTPIPE_CONSOLE_PORT: a live view of the events the collectors accept (per
source, filterable), the requests they refused and why, each source's tables and columns, the dead
letters, and charts of throughput and event-to-warehouse latency over the last hour. Sign in with the
admin token (never a write key). See docs/console.md.

Settings (environment variables):
${settingsHelp(SECTIONS)}

EVENTPIPE_CONSOLE_ADMIN_TOKEN (16 characters or more), EVENTPIPE_WAREHOUSE_URL and the sources
(EVENTPIPE_CONSOLE_SOURCE_IDS, or EVENTPIPE_SOURCES) are required.`;

export const consoleCommand: Command = {
  name: 'console',
  summary: 'run the admin console (live events, schema, dead letters, charts)',
  usage,
  run: async () => {
    const config = loadConfig(process.env);
    requireSetting(config.console.adminToken, ['console', 'adminToken'], 'the console opens only with it');
    if (config.console.sourceIds.length === 0) {
      requireSetting(
        config.sources,
        ['sources'],
        'or EVENTPIPE_CONSOLE_SOURCE_IDS: the sources the console shows',
      );
    }
    requireSetting(config.warehouse.url, ['warehouse', 'url'], 'the console reads the schema and rows there');
    const log = createLogger('console', config.logLevel);
    const { startConsole } = await import('@eventpipe/console');
    const running = await startConsole(config, log);
    log.info({ url: running.url }, 'console listening');
    const signal = await untilSignal();
    log.info({ signal }, 'shutting down the console');
    await running.close();
    return 0;
  },
};
