/**
 * The faults the chaos suite injects while the load runs. Each one breaks one part of the pipeline
 * for `holdMs`, then undoes what it did (restarts, thaws, releases) and says what it did, or that it
 * could not inject itself (no COPY caught in time), which the suite reports and fails on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { SOURCE } from '../e2e/harness.js';
import { EVENT_TABLE } from './sdk.js';
import type { Topology } from './topology.js';

export const FAULT_KINDS = [
  'kill-loader',
  'kill-collector',
  'restart-nats',
  'pause-postgres',
  'stop-s3',
  'terminate-copy',
  'stream-full',
  'lock-tables',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** What happened: `injected: false` when the fault found nothing to break. */
export interface FaultOutcome {
  injected: boolean;
  detail: string;
}

type Fault = (topology: Topology, holdMs: number, round: number) => Promise<FaultOutcome>;

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** SQLSTATE deadlock_detected. */
const DEADLOCK = '40P01';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

const FAULTS: Record<FaultKind, Fault> = {
  'kill-loader': async (topology, holdMs, round) => {
    const i = round % 2;
    const restart = await topology.killLoader(i);
    await sleep(holdMs);
    await restart();
    return { injected: true, detail: `SIGKILL loader ${i}, restarted after ${holdMs} ms` };
  },

  'kill-collector': async (topology, holdMs, round) => {
    const i = round % topology.collectorUrls.length;
    const restart = await topology.killCollector(i);
    await sleep(holdMs);
    await restart();
    return { injected: true, detail: `SIGKILL collector ${i}, restarted after ${holdMs} ms` };
  },

  'restart-nats': async ({ servers }, holdMs) => {
    await servers.nats.stop();
    await sleep(holdMs);
    await servers.nats.start();
    return { injected: true, detail: `nats-server stopped, started again on its store after ${holdMs} ms` };
  },

  'pause-postgres': async ({ servers }, holdMs) => {
    servers.postgres.pause();
    try {
      await sleep(holdMs);
    } finally {
      servers.postgres.resume();
    }
    return { injected: true, detail: `PostgreSQL frozen (SIGSTOP) for ${holdMs} ms` };
  },

  'stop-s3': async ({ servers }, holdMs) => {
    await servers.s3.stop();
    await sleep(holdMs);
    await servers.s3.start();
    return { injected: true, detail: `S3 server stopped for ${holdMs} ms` };
  },

  /**
   * A COPY lasts milliseconds, so the catalogue is polled in a tight loop until one is caught running
   * and its backend terminated in the same statement: the loader sees its connection die mid-COPY.
   */
  'terminate-copy': async ({ servers }, holdMs) =>
    withClient(servers.postgres.url, async (client) => {
      const deadline = Date.now() + holdMs * 3;
      while (Date.now() < deadline) {
        const { rows } = await client.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE state = 'active' AND query LIKE 'COPY %' AND pid <> pg_backend_pid()
              AND pg_terminate_backend(pid)`,
        );
        if (rows.length > 0) {
          return { injected: true, detail: `terminated ${rows.length} backend(s) mid-COPY` };
        }
      }
      return { injected: false, detail: `no COPY caught running within ${holdMs * 3} ms` };
    }),

  /**
   * The stream's max_bytes is lowered to just above what it holds, so the load fills it within
   * moments and collectors must refuse (503) rather than drop anything; then it is raised again.
   * (Below what it holds would make JetStream delete the oldest messages: that is the operator's
   * choice to make, not a fault.)
   */
  'stream-full': async ({ nats, config }, holdMs) => {
    const name = config.nats.stream;
    const { state } = await nats.jsm.streams.info(name);
    const limit = state.bytes + 16 * 1024;
    await nats.jsm.streams.update(name, { max_bytes: limit });
    try {
      await sleep(holdMs);
    } finally {
      await nats.jsm.streams.update(name, { max_bytes: config.nats.maxBytes });
    }
    const full = (await nats.jsm.streams.info(name)).state.bytes;
    return {
      injected: true,
      detail: `max_bytes ${limit} (held ${state.bytes}) for ${holdMs} ms, ${full} bytes when lifted`,
    };
  },

  /**
   * Another session holds SHARE locks (as a non-concurrent CREATE INDEX does): inserts wait. A loader
   * mid-load already holds one table and waits for the other, so PostgreSQL may pick this session as
   * the deadlock's victim (40P01): like an analyst, it tries again, up to five times.
   */
  'lock-tables': async ({ servers }, holdMs) =>
    withClient(servers.postgres.url, async (client) => {
      const tables = [`${ident(SOURCE)}.tracks`, `${ident(SOURCE)}.${ident(EVENT_TABLE)}`];
      for (let attempt = 1; ; attempt += 1) {
        await client.query('BEGIN');
        try {
          await client.query(`LOCK TABLE ${tables.join(', ')} IN SHARE MODE`);
          await sleep(holdMs);
          return {
            injected: true,
            detail: `SHARE lock on ${tables.join(', ')} for ${holdMs} ms${attempt > 1 ? ` (attempt ${attempt}, after deadlocks)` : ''}`,
          };
        } catch (error) {
          if ((error as { code?: unknown }).code !== DEADLOCK || attempt >= 5) throw error;
        } finally {
          await client.query('ROLLBACK');
        }
      }
    }),
};

export function injectFault(
  kind: FaultKind,
  topology: Topology,
  holdMs: number,
  round: number,
): Promise<FaultOutcome> {
  return FAULTS[kind](topology, holdMs, round);
}
