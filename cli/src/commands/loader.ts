import { ConfigError, createLogger, loadConfig } from '@eventpipe/core';
import type { Checkpoint } from '@eventpipe/loader';
import type { Command } from '../command.js';
import { settingsHelp, untilSignal } from '../process.js';

const SECTIONS = ['logLevel', 'nats', 'loader', 's3', 'warehouse'];

const usage = `Usage: eventpipe loader

Consumes events from NATS JetStream in batches, archives them raw in S3, loads them into the
warehouse (one transaction per batch) and acks them only after COMMIT. SIGTERM or SIGINT stops it
gracefully: the batch in flight finishes or is handed back unacked. See docs/loader.md.

Settings (environment variables):
${settingsHelp(SECTIONS)}

EVENTPIPE_WAREHOUSE_URL is required.`;

const CHECKPOINTS: readonly Checkpoint[] = ['after-stage', 'after-commit'];

/** TEST ONLY: EVENTPIPE_TEST_CRASH_AT kills the loader with SIGKILL at a checkpoint (exactly-once tests). */
function crashAt(env: NodeJS.ProcessEnv): Checkpoint | undefined {
  const value = env.EVENTPIPE_TEST_CRASH_AT;
  if (value === undefined || value === '') return undefined;
  if (!(CHECKPOINTS as readonly string[]).includes(value)) {
    throw new ConfigError(`EVENTPIPE_TEST_CRASH_AT: "${value}" is not one of ${CHECKPOINTS.join(', ')}`);
  }
  return value as Checkpoint;
}

export const loaderCommand: Command = {
  name: 'loader',
  summary: 'load events from JetStream into S3 and the warehouse, exactly once',
  usage,
  run: async () => {
    const config = loadConfig(process.env);
    const crash = crashAt(process.env);
    const log = createLogger('loader', config.logLevel);
    const signal = untilSignal();
    const { startLoader } = await import('@eventpipe/loader');
    const loader = await startLoader(config, log, { crashAt: crash });
    const received = await signal;
    log.info({ signal: received }, 'stopping loader');
    await loader.close();
    return 0;
  },
};
