import { parseArgs } from 'node:util';
import { createLogger } from '@eventpipe/core';
import type { LoadMode } from '@eventpipe/loader';
import type { Command } from '../command.js';
import { startProgress, type Progress } from '../send/progress.js';
import { pipelineSettings, withoutPassword } from '../dev/settings.js';

const usage = `Usage: eventpipe replay --source S --from YYYY-MM-DD --to YYYY-MM-DD [--replace] [--tables t1,t2] [--dry-run]

Re-reads the raw archive (raw/<source>/dt=…/ in S3) for those days, both included, and runs it
through the loader's enrich → transform → load path, with the enrichments configured now.

By default only rows missing from the warehouse are inserted: rows already there are kept as they
are, which is the safe way to fill gaps. --replace overwrites the stored rows of every replayed event
with what the current transform and enrichments produce (columns they no longer produce are
cleared): the way to re-apply a fixed transform or a newly enabled enrichment to old data. users
stays latest-wins by received_at. Both modes are idempotent: running the same replay twice leaves
the same rows. See docs/replay.md.

Options:
  --source S        source id
  --from, --to      first and last day (UTC)
  --replace         overwrite rows already in the warehouse (default: insert missing rows only)
  --tables t1,t2    only these warehouse tables (e.g. tracks,order_completed)
  --dry-run         load nothing; print the rows per table a load would merge
  --data-dir DIR    data dir of a running "eventpipe dev" to take the settings from (default ./.eventpipe)

Settings: those of the running "eventpipe dev" of --data-dir (its S3 archive, warehouse and
enrichments), under the loader's variables, which take precedence when set: EVENTPIPE_S3_* (bucket,
endpoint, credentials), EVENTPIPE_WAREHOUSE_URL, EVENTPIPE_LOADER_ENRICHMENTS,
EVENTPIPE_LOADER_BATCH_MAX_EVENTS. The command says which it used.`;

/** What each mode does to rows already loaded, as the progress and summary say it. */
const MODE_TEXT: Record<LoadMode, string> = {
  append: 'append: inserts missing rows only, stored rows are kept',
  replace: 'replace: stored rows are overwritten with the current transform and enrichments',
};

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
        replace: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'data-dir': { type: 'string', default: './.eventpipe' },
      },
    });
    for (const name of ['source', 'from', 'to'] as const) {
      if (!values[name]) throw new Error(`--${name} is required\n\n${usage}`);
    }
    const { config, from } = pipelineSettings(values['data-dir']);
    const mode: LoadMode = values.replace ? 'replace' : 'append';
    const dryRun = values['dry-run'];
    // Logs and progress go to stderr: stdout holds the result (the summary, the dry run's table).
    const log = createLogger('replay', config.logLevel, {}, process.stderr);
    const tables = values.tables
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const names = config.loader.enrichments.map((spec) => (typeof spec === 'string' ? spec : spec.name));
    const archive = `${config.s3.endpoint ?? 'AWS S3'} bucket ${config.s3.bucket}${config.s3.prefix ? ` prefix ${config.s3.prefix}` : ''}`;
    console.error(
      `settings from ${from}: archive ${archive}, warehouse ${withoutPassword(config.warehouse.url!)}`,
    );
    console.error(
      `replay of source ${values.source} from ${values.from} to ${values.to}${dryRun ? ' (dry run)' : ''}` +
        ` — ${MODE_TEXT[mode]}; enrichments: ${names.length > 0 ? names.join(', ') : 'none'}`,
    );
    let events = 0;
    let progress: Progress | undefined;
    const { runReplay } = await import('@eventpipe/loader');
    const summary = await runReplay(
      config,
      log,
      { sourceId: values.source!, from: values.from!, to: values.to!, tables, dryRun, mode },
      {
        onObjects: (objects) => {
          progress = startProgress({
            label: `replay (${mode}${dryRun ? ', dry run' : ''})`,
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
      `${summary.objects} archive objects, ${summary.events} events, ${summary.batches} batches, mode ${summary.mode}` +
        (dryRun
          ? `: rows a load would merge (${mode === 'append' ? 'ids already loaded are skipped then' : 'stored rows with these ids are overwritten then'})`
          : `: rows ${mode === 'append' ? 'inserted (rows already loaded are kept)' : 'inserted or replaced'}`),
    );
    for (const [table, count] of rows) console.log(`  ${table.padEnd(40)} ${count}`);
    if (summary.deadLetters > 0) {
      console.log(
        `${summary.deadLetters} messages could not load (${dryRun ? 'not stored: dry run' : 'stored in the dead letters, keyed by archive object and line'})`,
      );
    }
    if (summary.objects === 0) {
      console.error(`no archive objects for source "${values.source}" from ${values.from} to ${values.to}`);
    }
    return 0;
  },
};
