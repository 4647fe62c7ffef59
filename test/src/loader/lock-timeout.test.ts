/**
 * A load needs table locks that an analyst's session can hold: ADD COLUMN needs an exclusive lock,
 * which waits behind a long query (and, waiting, blocks every later query of the table). With
 * `warehouse.lockTimeoutMs` the load gives up after that long, is retried with backoff by the
 * runner, and completes once the analyst's lock is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startLoader } from '@eventpipe/loader/internal';
import {
  ackFloor,
  configOf,
  countRows,
  envelope,
  publish,
  settings,
  useServers,
  waitFor,
} from '../e2e/harness.js';
import { testLogger } from '../secrets.js';

const log = testLogger('test');
const suite = useServers();

async function loadRetries(healthPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('eventpipe_loader_batch_retries_total{step="load"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('an analyst holding a table: the migration times out, is retried, and loads once the lock is released', async () => {
  const config = configOf(settings(suite.servers, { EVENTPIPE_WAREHOUSE_LOCK_TIMEOUT_MS: '200' }));
  const url = suite.servers.postgres.url;
  const acked = async () =>
    (await ackFloor(suite.nats.jsm, config)) >=
    (await suite.nats.jsm.streams.info(config.nats.stream)).state.last_seq;

  const loader = await startLoader(config, log);
  const analyst = new pg.Client({ connectionString: url });
  await analyst.connect();
  try {
    await publish(suite.nats.nc, config, [envelope('before')]);
    await waitFor('the first event loaded', acked);

    // A long-running read: it holds ACCESS SHARE on web.tracks until its transaction ends.
    await analyst.query('BEGIN');
    await analyst.query('SELECT count(*) FROM web.tracks');
    // A new property: the load must ADD COLUMN to web.tracks (ACCESS EXCLUSIVE).
    await publish(suite.nats.nc, config, [
      envelope('during', 'track', { context: { campaign: { name: 'x' } } }),
    ]);
    await waitFor(
      'the load to time out and be retried twice',
      async () => (await loadRetries(loader.healthPort)) >= 2,
      15_000,
    );
    assert.equal((await countRows(url, 'web', 'tracks')).rows, 1, 'nothing loaded while the lock is held');

    await analyst.query('COMMIT');
    await waitFor('the second event loaded', acked);
    assert.deepEqual(await countRows(url, 'web', 'tracks'), { rows: 2, ids: 2 });
  } finally {
    await analyst.end();
    await loader.close();
  }
});
