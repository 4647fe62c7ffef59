/**
 * What `eventpipe dead-letter` prints and how it reads its options. Pure functions, for tests.
 */
import type { DeadLetterEntry, DropSummary, RedriveOutcome } from '@eventpipe/loader';
import { mayHoldInexactNumber } from '@eventpipe/core';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration back from `now` (`30m`, `24h`, `7d`) or a date or time (`2024-05-01`,
 * `2024-05-01T10:00:00Z`); throws naming the accepted forms.
 */
export function parseSince(text: string, now: Date = new Date()): Date {
  const duration = /^(\d+)([mhd])$/.exec(text);
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNITS[duration[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const at = new Date(text);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new Error(
    `--since "${text}": give a duration (30m, 24h, 7d) or a date or time (2024-05-01, 2024-05-01T10:00:00Z)`,
  );
}

/** A reason on one line, cut to `width` characters. */
export function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

export function statusOf(entry: Pick<DeadLetterEntry, 'redriven'>): string {
  return entry.redriven ? `redriven → ${entry.redriven.stream} #${entry.redriven.sequence}` : 'pending';
}

/** The table `list` prints: one line per dead letter, the reason last and cut to fit. */
export function formatList(entries: readonly DeadLetterEntry[], reasonWidth = 100): string[] {
  const header = ['ID', 'LAST FAILED', 'SOURCE', 'MESSAGE ID', 'ATTEMPTS', 'STATUS', 'REASON'];
  const rows = entries.map((e) => [
    e.id,
    e.lastFailedAt,
    e.sourceId,
    oneLine(e.messageId, 40),
    String(e.attempts),
    statusOf(e),
    oneLine(e.reason, reasonWidth),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The envelope for reading: indented, unless that would round a number, then exactly as stored. */
export function formatEnvelope(json: string): string {
  if (mayHoldInexactNumber(json)) return json;
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/** One line per redrive outcome. */
export function formatOutcome(outcome: RedriveOutcome): string {
  switch (outcome.outcome) {
    case 'redriven':
      return `${outcome.id}  redriven → ${outcome.stream} #${outcome.sequence}${outcome.duplicate ? ' (already in the stream from an earlier redrive)' : ''}`;
    case 'already-redriven':
      return `${outcome.id}  already redriven at ${outcome.at} → ${outcome.stream} #${outcome.sequence}`;
    case 'skipped':
      return `${outcome.id}  not redriven: ${outcome.reason}`;
    case 'not-found':
      return `${outcome.id}  no dead letter has this id`;
  }
}

/** What `summary` prints: dead letters by source and reason, then the tables' rows with values left out. */
export function formatSummary(summary: DropSummary): string[] {
  const lines = [`since ${summary.since}`];
  if (summary.deadLetters.length === 0) lines.push('dead letters: none');
  else {
    lines.push('dead letters (source, reason):');
    const width = Math.max(...summary.deadLetters.map((d) => `${d.sourceId}  ${d.reason}`.length));
    for (const d of summary.deadLetters) {
      lines.push(
        `  ${`${d.sourceId}  ${d.reason}`.padEnd(width)}  ${d.pending} pending, ${d.redriven} redriven`,
      );
    }
  }
  const affected = summary.tables.filter((t) => t.rejected > 0 || t.enrichmentErrors > 0);
  if (affected.length === 0) {
    lines.push(`rows with _rejected values or enrichment errors: none (in ${summary.tables.length} tables)`);
  } else {
    lines.push(
      'rows loaded with _rejected values or enrichment errors (table: rows loaded, with _rejected, with _enrichment_errors):',
    );
    const width = Math.max(...affected.map((t) => t.table.length));
    for (const t of affected) {
      lines.push(
        `  ${t.table.padEnd(width)}  ${t.rows} rows, ${t.rejected} with _rejected, ${t.enrichmentErrors} with _enrichment_errors`,
      );
    }
  }
  return lines;
}
