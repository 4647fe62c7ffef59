import { parseArgs } from 'node:util';
import { createLogger, type Config } from '@eventpipe/core';
import type { DeadLetters } from '@eventpipe/loader';
import type { Command } from '../command.js';
import { startProgress } from '../send/progress.js';
import { pipelineSettings, withoutPassword } from '../dev/settings.js';
import {
  formatEnvelope,
  formatList,
  formatOutcome,
  formatSummary,
  parseSince,
  statusOf,
} from '../dead-letters/format.js';

const usage = `Usage: eventpipe dead-letter list [--source S] [--since 24h] [--reason TEXT] [--include-redriven] [--limit N] [--json]
       eventpipe dead-letter show ID [--json]
       eventpipe dead-letter redrive (--id ID[,ID…] | --all | --reason TEXT) [--source S] [--since 24h]
       eventpipe dead-letter summary [--source S] [--since 24h] [--json]

Dead letters are messages the loader could not load (the warehouse refused a value, an enrichment or
the transform failed on it alone, it was not an envelope, or JetStream gave up on it after max
deliveries). Each is kept with the reason in the warehouse's _eventpipe.dead_letters.

  list      what could not be loaded and why: pending ones (not redriven), oldest first
  show      one dead letter with its envelope (a large one kept in S3 is fetched from there)
  redrive   sends dead letters back through the loader once the cause is fixed: each is published
            to the stream again and marked redriven once JetStream has stored it. Idempotent: an
            event that loaded already stays one row. A dead letter that fails again comes back
            as a new one. See docs/dead-letters.md.
  summary   everything that did not load cleanly since --since (default 24h): dead letters by source
            and reason, and per table the rows loaded with values kept in _rejected or with an
            enrichment that failed (_enrichment_errors). Counts rows by their load time (uuid_ts),
            scanning each such table: narrow it with --source on a large warehouse.

Options:
  --source S           only this source
  --since T            only those whose latest failure is this recent: 30m, 24h, 7d, or a date/time
  --reason TEXT        only those whose reason contains TEXT (case ignored)
  --include-redriven   list: also those already redriven
  --limit N            list: at most N (default 100)
  --id ID[,ID…]        redrive: these (repeatable)
  --all                redrive: every pending one (narrowed by --source, --since)
  --json               print JSON instead of text
  --data-dir DIR       data dir of a running "eventpipe dev" to take the settings from (default ./.eventpipe)

Settings: those of the running "eventpipe dev" of --data-dir, under EVENTPIPE_WAREHOUSE_URL (and _KIND,
_META_SCHEMA), EVENTPIPE_NATS_* (redrive) and EVENTPIPE_S3_* (large Redshift dead letters), which take
precedence when set. The command says which it used.`;

const OPTIONS = {
  source: { type: 'string' },
  since: { type: 'string' },
  reason: { type: 'string' },
  'include-redriven': { type: 'boolean', default: false },
  limit: { type: 'string', default: '100' },
  id: { type: 'string', multiple: true },
  all: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  'data-dir': { type: 'string', default: './.eventpipe' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

async function list(deadLetters: DeadLetters, values: Values): Promise<number> {
  const limit = Number(values.limit);
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new Error(`--limit "${values.limit}": a positive integer`);
  const entries = await deadLetters.list({
    sourceId: values.source,
    since: values.since === undefined ? undefined : parseSince(values.since),
    reason: values.reason,
    includeRedriven: values['include-redriven'],
    limit,
  });
  if (values.json) {
    console.log(JSON.stringify(entries, null, 2));
    return 0;
  }
  const what = values['include-redriven'] ? 'dead letters' : 'pending dead letters';
  if (entries.length === 0) {
    console.log(`no ${what}`);
    return 0;
  }
  for (const line of formatList(entries)) console.log(line);
  console.log(
    `${entries.length} ${what}${entries.length === limit ? ` (the first ${limit}: --limit shows more)` : ''}`,
  );
  return 0;
}

async function show(deadLetters: DeadLetters, id: string | undefined, values: Values): Promise<number> {
  if (id === undefined) throw new Error(`show needs the ID of a dead letter\n\n${usage}`);
  const detail = await deadLetters.show(id);
  if (!detail) {
    console.error(`no dead letter has the id ${id}`);
    return 1;
  }
  if (values.json) {
    const { envelopeJson, ...fields } = detail;
    console.log(`{"deadLetter":${JSON.stringify(fields)},"envelope":${envelopeJson}}`);
    return 0;
  }
  const fields: [string, string][] = [
    ['id', detail.id],
    ['source', detail.sourceId],
    ['message id', detail.messageId],
    ['origin', `${detail.origin} #${detail.streamSequence}`],
    ['first failed', detail.firstFailedAt],
    ['last failed', detail.lastFailedAt],
    ['attempts', String(detail.attempts)],
    ['status', statusOf(detail)],
    ['reason', detail.reason],
    ...(detail.storedAt ? ([['envelope from', detail.storedAt]] as [string, string][]) : []),
  ];
  for (const [name, value] of fields) console.log(`${`${name}:`.padEnd(15)}${value}`);
  console.log('envelope:');
  console.log(formatEnvelope(detail.envelopeJson));
  return 0;
}

async function redrive(deadLetters: DeadLetters, values: Values, config: Config): Promise<number> {
  const ids = values.id
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const progress = startProgress({ label: 'redrive', unit: 'dead letters' });
  const result = await deadLetters.redrive(
    {
      ...(ids !== undefined && { ids }),
      ...(values.all && { all: true }),
      ...(values.reason !== undefined && { reason: values.reason }),
      sourceId: values.source,
      since: values.since === undefined ? undefined : parseSince(values.since),
    },
    ({ total, last }) => {
      progress.setTotal(total);
      progress.advance(1);
      if (!values.json) console.log(formatOutcome(last));
    },
  );
  progress.finish();
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(
      `${result.selected} selected: ${result.redriven} redriven to stream ${config.nats.stream} (the loader loads them next), ` +
        `${result.alreadyRedriven} already redriven, ${result.skipped} could not be redriven, ${result.notFound} not found`,
    );
  }
  return result.skipped + result.notFound > 0 ? 1 : 0;
}

async function summary(deadLetters: DeadLetters, values: Values): Promise<number> {
  const result = await deadLetters.summary(parseSince(values.since ?? '24h'), values.source);
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else for (const line of formatSummary(result)) console.log(line);
  return 0;
}

export const deadLetterCommand: Command = {
  name: 'dead-letter',
  summary: 'list, show and redrive what the loader could not load; sum up what loaded without some values',
  usage,
  run: async (argv) => {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
    const [action, id, ...extra] = positionals;
    if (
      !['list', 'show', 'redrive', 'summary'].includes(action ?? '') ||
      extra.length > 0 ||
      (action !== 'show' && id)
    ) {
      throw new Error(
        `${action === undefined ? 'no action given' : `unknown arguments: ${positionals.join(' ')}`}\n\n${usage}`,
      );
    }
    const { config, from } = pipelineSettings(values['data-dir']);
    // Logs go to stderr: stdout holds the result.
    const log = createLogger(
      'dead-letter',
      config.logLevel === 'info' ? 'warn' : config.logLevel,
      {},
      process.stderr,
    );
    console.error(
      `settings from ${from}: warehouse ${config.warehouse.kind} ${withoutPassword(config.warehouse.url!)}` +
        (action === 'redrive'
          ? `, NATS ${config.nats.url
              .split(',')
              .map((u) => withoutPassword(u.trim()))
              .join(',')} stream ${config.nats.stream}`
          : ''),
    );
    const { openDeadLetters } = await import('@eventpipe/loader');
    const deadLetters = openDeadLetters(config, log);
    try {
      if (action === 'list') return await list(deadLetters, values);
      if (action === 'show') return await show(deadLetters, id, values);
      if (action === 'summary') return await summary(deadLetters, values);
      return await redrive(deadLetters, values, config);
    } finally {
      await deadLetters.close();
    }
  },
};
