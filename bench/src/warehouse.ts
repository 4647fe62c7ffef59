/**
 * What the benchmark reads back from PostgreSQL: the loader's own bookkeeping (`_eventpipe.loads`,
 * one row per committed batch) tells how many events and rows are committed and when.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { BENCH_SOURCE } from './event.js';

export interface LoadProgress {
  batches: number;
  /** Events committed: each bench event is one row of `<source>.tracks`. */
  events: number;
  /** Rows committed over all tables (tracks and the per-event tables). */
  rows: number;
  firstCommitMs: number | null;
  lastCommitMs: number | null;
}

const PROGRESS_SQL = `
  SELECT count(*)::int AS batches,
         coalesce(sum((rows_by_table ->> $1)::bigint), 0)::bigint AS events,
         coalesce(sum((SELECT sum(v::bigint) FROM jsonb_each_text(rows_by_table) AS t(k, v))), 0)::bigint AS rows,
         (extract(epoch FROM min(committed_at)) * 1000)::float8 AS first_commit,
         (extract(epoch FROM max(committed_at)) * 1000)::float8 AS last_commit
    FROM _eventpipe.loads`;

const UNDEFINED_TABLE = '42P01';

export async function loadProgress(client: pg.ClientBase): Promise<LoadProgress> {
  try {
    const { rows } = await client.query<{
      batches: number;
      events: string;
      rows: string;
      first_commit: number | null;
      last_commit: number | null;
    }>(PROGRESS_SQL, [`${BENCH_SOURCE}.tracks`]);
    const row = rows[0]!;
    return {
      batches: row.batches,
      events: Number(row.events),
      rows: Number(row.rows),
      firstCommitMs: row.first_commit,
      lastCommitMs: row.last_commit,
    };
  } catch (error) {
    // The loader creates its bookkeeping on start-up; until then nothing is committed.
    if ((error as { code?: string }).code === UNDEFINED_TABLE) {
      return { batches: 0, events: 0, rows: 0, firstCommitMs: null, lastCommitMs: null };
    }
    throw error;
  }
}

/**
 * Polls until `events` events are committed; fails after `timeoutMs` saying how far it got, so a
 * stuck loader ends the scenario instead of the benchmark.
 */
export async function waitForCommitted(
  client: pg.ClientBase,
  events: number,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
): Promise<LoadProgress> {
  const deadline = Date.now() + timeoutMs;
  let progress = await loadProgress(client);
  while (progress.events < events) {
    if (!isAlive())
      throw new Error(`the loader exited after committing ${progress.events} of ${events} events`);
    if (Date.now() > deadline) {
      throw new Error(`only ${progress.events} of ${events} events committed within ${timeoutMs} ms`);
    }
    await sleep(50);
    progress = await loadProgress(client);
  }
  return progress;
}

export async function connectPostgres(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}
