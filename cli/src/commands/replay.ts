import { parseArgs } from 'node:util';
import { createLogger, loadConfig } from '@eventpipe/core';
import { runReplay } from '@eventpipe/loader';
import type { Command } from '../command.js';
import { startProgress, type Progress } from '../send/progress.js';

const usage = `Usage: eventpipe replay --source S --from YYYY-MM-DD --to YYYY-MM-DD [--tables t1,t2] [--dry-run]

Re-reads the raw archive (raw/<source>/dt=…/ in S3) for those days, both included, and runs it
through the loader's enrich → transform → load path. Idempotent: rows already in the warehouse are
skipped by the merge, so running it twice leaves the same rows.

Options:
  --source S        source id
  --from, --to      first and last day (UTC)
  --tables t1,t2    only these warehouse tables (e.g. tracks,order_completed)
  --dry-run         load nothing; print the rows per table a load would merge

Settings come from the loader's variables: EVENTPIPE_S3_* (bucket, endpoint, credentials),
EVENTPIPE_WAREHOUSE_URL, EVENTPIPE_LOADER_ENRICHMENTS, EVENTPIPE_LOADER_BATCH_MAX_EVENTS.`;

export const replayCommand: Command = {
  name: 'replay',
  summary: 're-load a date range of the raw archive through enrich → transform → load',
  usage,
  run: async (argv) => {
    const { values } = parseArgs({
      args: argv,
      options: {
        source: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        tables: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    });
    for (const name of ['source', 'from', 'to'] as const) {
      if (!values[name]) throw new Error(`--${name} is required\n\n${usage}`);
    }
    const config = loadConfig();
    // Logs to stderr: stdout holds the result (the dry run's table).
    const log = createLogger('replay', config.logLevel, {}, process.stderr);
    const tables = values.tables
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    let events = 0;
    let progress: Progress | undefined;
    const summary = await runReplay(
      config,
      log,
      { sourceId: values.source!, from: values.from!, to: values.to!, tables, dryRun: values['dry-run'] },
      {
        onObjects: (objects) => {
          progress = startProgress({
            label: values['dry-run'] ? 'replay (dry run)' : 'replay',
            unit: 'objects',
            total: objects.length,
            extra: () => `${events.toLocaleString('en-US')} events`,
          });
        },
        onProgress: (p) => {
          events = p.events;
          progress?.advance(1);
        },
      },
    );
    progress?.finish();
    const rows = Object.entries(summary.rowsByTable).sort(([a], [b]) => (a < b ? -1 : 1));
    console.log(
      `${summary.objects} archive objects, ${summary.events} events, ${summary.batches} batches` +
        (values['dry-run']
          ? ': rows a load would merge (ids already loaded are skipped then)'
          : ': rows loaded'),
    );
    for (const [table, count] of rows) console.log(`  ${table.padEnd(40)} ${count}`);
    if (summary.objects === 0) {
      console.error(`no archive objects for source "${values.source}" from ${values.from} to ${values.to}`);
    }
    return 0;
  },
};
