/**
 * A loader behind a slow warehouse slows down instead of filling up: while another session holds a
 * lock on the target table, events pile up in the stream, and the loader (a child process, so its
 * memory is its own) holds at most its bound of pulled-but-unacked messages — the batches in flight
 * plus its pull buffer — and its resident memory does not grow with the pile. Once the lock is
 * released everything loads, once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  ackFloor,
  configOf,
  countRows,
  envelope,
  publish,
  settings,
  spawnLoader,
  stopChild,
  useServers,
  waitFor,
} from '../e2e/harness.js';

const suite = useServers();

const BATCH = 50;
const IN_FLIGHT = 2;
/** Batches in flight, the pull buffer (below one pull before a pull, plus that pull), a carried message and a pending read. */
const BOUND = IN_FLIGHT * BATCH + 2 * BATCH + 2;
/** Large beside the bound (about 3 MB): a loader that held it would grow by tens of MB, well above RSS noise. */
const PILE = 3000;
const BLOB = 'x'.repeat(16 * 1024);

/** Resident memory of a process, in bytes (Linux). */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1]) * 1024;
}

test('a table locked by another session: unacked messages stay within the bound, memory does not grow', async (t) => {
  const env = settings(suite.servers, {
    EVENTPIPE_LOADER_BATCH_MAX_EVENTS: String(BATCH),
    EVENTPIPE_LOADER_MAX_BATCHES_IN_FLIGHT: String(IN_FLIGHT),
    EVENTPIPE_WAREHOUSE_LOCK_TIMEOUT_MS: '1000',
  });
  const config = configOf(env);
  const url = suite.servers.postgres.url;
  const consumer = () => suite.nats.jsm.consumers.info(config.nats.stream, config.loader.consumer);
  const lastSeq = async () => (await suite.nats.jsm.streams.info(config.nats.stream)).state.last_seq;
  const event = (i: number) => envelope(`e-${i}`, 'track', { properties: { blob: BLOB } });

  const loader = spawnLoader(env);
  const analyst = new pg.Client({ connectionString: url });
  await analyst.connect();
  try {
    // Warm up: the tables exist and a few batches of the same shape went through.
    await publish(
      suite.nats.nc,
      config,
      Array.from({ length: 2 * BATCH }, (_, i) => event(i)),
    );
    await waitFor(
      'the warm-up loaded',
      async () => (await ackFloor(suite.nats.jsm, config)) >= (await lastSeq()),
    );

    await analyst.query('BEGIN');
    // SHARE: the loader's INSERT waits, reads (the counts below) do not.
    await analyst.query('LOCK TABLE web.order_completed IN SHARE MODE');

    let maxAckPending = 0;
    let minPending = Infinity;
    /** Samples the consumer and the loader's memory for `ms`; returns the highest RSS seen. */
    const watch = async (ms: number) => {
      let maxRss = 0;
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const info = await consumer();
        maxAckPending = Math.max(maxAckPending, info.num_ack_pending);
        minPending = Math.min(minPending, info.num_pending);
        maxRss = Math.max(maxRss, rssOf(loader.pid!));
        await sleep(100);
      }
      return maxRss;
    };
    // First enough to fill the bound: the loader then holds all it ever may and retries its batches
    // against the lock, and its memory at that point is the baseline. Then the pile: with the bound
    // kept, nothing more comes in, so memory stays where it was however much waits in the stream.
    const first = 2 * BOUND;
    let sequence = 2 * BATCH;
    const send = (count: number) =>
      publish(
        suite.nats.nc,
        config,
        Array.from({ length: count }, () => event(sequence++)),
      );
    await send(first);
    const baseline = await watch(4_000);
    await send(PILE - first);
    minPending = Infinity;
    const maxRss = await watch(6_000);
    assert.equal(
      (await countRows(url, 'web', 'order_completed')).rows,
      2 * BATCH,
      'nothing loaded while the table is locked',
    );
    assert.ok(maxAckPending > 0, 'the loader did pull');
    assert.ok(maxAckPending <= BOUND, `at most ${BOUND} unacked, saw ${maxAckPending}`);
    assert.ok(minPending >= PILE - BOUND, `the rest waits in the stream: ${minPending} pending`);
    const piled = (PILE - first) * BLOB.length;
    const growth = maxRss - baseline;
    t.diagnostic(
      `RSS ${Math.round(baseline / 1e6)} MB holding the bound, +${Math.round(growth / 1e6)} MB while ${Math.round(piled / 1e6)} MB more piled up`,
    );
    // Holding what came after the bound would take at least those bytes themselves; a loader that
    // keeps its bound only repeats what it did at the baseline, with some GC slack.
    assert.ok(
      growth < piled / 2,
      `resident memory grew ${Math.round(growth / 1e6)} MB (from ${Math.round(baseline / 1e6)} MB) ` +
        `while ${Math.round(piled / 1e6)} MB piled up in the stream`,
    );

    await analyst.query('COMMIT');
    await waitFor(
      'everything loaded after the lock was released',
      async () => (await ackFloor(suite.nats.jsm, config)) >= (await lastSeq()),
      60_000,
    );
    const total = 2 * BATCH + PILE;
    assert.deepEqual(await countRows(url, 'web', 'order_completed'), { rows: total, ids: total });
    assert.deepEqual(await countRows(url, 'web', 'tracks'), { rows: total, ids: total });
  } finally {
    await analyst.end();
    await stopChild(loader);
  }
});
