/**
 * Re-applying a changed transform option to old data: the archive is loaded by `eventpipe dev` with
 * the enrichments off, then replayed with `user-agent` on. Without `--replace` the stored rows do not
 * change; with it every row gets the browser columns and keeps every other value; a second
 * `--replace` leaves identical rows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync } from 'node:fs';
import { CLI, query, startDev, tempDataDir, waitForQuery, type DevProcess } from '../dev/harness.js';
import { counts, replay } from './harness.js';

const run = promisify(execFile);
const dataDir = tempDataDir('replay-replace');
const EVENTS = 120;
const USER_AGENT_ON = { EVENTPIPE_LOADER_ENRICHMENTS: '["user-agent"]' };
let dev: DevProcess;

before(async () => {
  dev = await startDev(dataDir, { EVENTPIPE_LOADER_ENRICHMENTS: '[]' });
});
after(async () => {
  await dev?.stop().catch(() => dev.killGroup());
  rmSync(dataDir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

/** Every row of a table of the demo schema, by id, without `uuid_ts` (the load time). */
async function tableRows(table: string): Promise<Row[]> {
  const rows = await query<Row>(dev.info.warehouseUrl, `select * from "demo"."${table}" order by id`);
  return rows.map(({ uuid_ts: _loadTime, ...rest }) => rest);
}

/** The rows of every table of the demo schema. */
async function everyRow(): Promise<Record<string, Row[]>> {
  const result: Record<string, Row[]> = {};
  for (const table of Object.keys(await counts(dev))) result[table] = await tableRows(table);
  return result;
}

const withoutBrowserColumns = (rows: Row[]) =>
  rows.map((row) =>
    Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith('context_user_agent_'))),
  );

let loaded: Record<string, number>;
let tracksBefore: Row[];

test('the archive is loaded with the enrichments off: no browser columns', async () => {
  const sent = await run(
    process.execPath,
    [CLI, 'send', '--demo', '--count', String(EVENTS), '--rate', '0', '--seed', '11', '--data-dir', dataDir],
    { timeout: 60_000 },
  );
  assert.match(sent.stdout, new RegExp(`accepted ${EVENTS}, rejected 0`));
  const eventTables = ['tracks', 'identifies', 'pages', 'screens', 'groups', 'aliases'];
  await waitForQuery(
    dev.info.warehouseUrl,
    eventTables.map((t) => `select count(*) as n from "demo"."${t}"`).join(' union all '),
    (rows) => rows.reduce((sum, r) => sum + Number((r as { n: string }).n), 0) === EVENTS,
  );
  loaded = await counts(dev);
  tracksBefore = await tableRows('tracks');
  assert.ok(tracksBefore.length > 0);
  assert.ok(!('context_user_agent_browser_name' in tracksBefore[0]!), Object.keys(tracksBefore[0]!).join());
  assert.ok(tracksBefore.every((row) => typeof row.context_user_agent === 'string'));
});

test('replay without --replace keeps the stored rows: the new columns stay empty', async () => {
  const result = await replay(dev, [], USER_AGENT_ON);
  assert.match(
    result.stderr,
    /append: inserts missing rows only, stored rows are kept; enrichments: user-agent/,
  );
  assert.match(result.stdout, /mode append: rows inserted \(rows already loaded are kept\)/);
  assert.match(result.stdout, /demo\.tracks\s+0\b/);
  const tracks = await tableRows('tracks');
  assert.ok(tracks.every((row) => row.context_user_agent_browser_name === null));
  assert.deepEqual(withoutBrowserColumns(tracks), tracksBefore);
  assert.deepEqual(await counts(dev), loaded);
});

test('replay --replace re-applies the enrichment to every row and changes nothing else', async () => {
  const result = await replay(dev, ['--replace'], USER_AGENT_ON);
  assert.match(
    result.stderr,
    /replace: stored rows are overwritten with the current transform and enrichments/,
  );
  // The progress (plain lines: stderr is not a terminal) names the mode too.
  assert.match(result.stderr, /replay \(replace\)\s+\d+\/\d+ objects\s+100%/);
  assert.match(
    result.stdout,
    new RegExp(`${EVENTS} events, \\d+ batches, mode replace: rows inserted or replaced`),
  );
  assert.match(result.stdout, new RegExp(`demo\\.tracks\\s+${loaded.tracks}\\b`));

  const tracks = await tableRows('tracks');
  const browsers = new Set(tracks.map((row) => row.context_user_agent_browser_name));
  assert.ok(!browsers.has(null), 'every row has its browser');
  assert.ok(
    [...browsers].some((b) => ['Chrome', 'Safari', 'Firefox'].includes(String(b))),
    [...browsers].join(),
  );
  assert.deepEqual(withoutBrowserColumns(tracks), tracksBefore);
  assert.deepEqual(await counts(dev), loaded);
});

test('replay --replace twice leaves identical rows in every table', async () => {
  const first = await everyRow();
  await replay(dev, ['--replace'], USER_AGENT_ON);
  assert.deepEqual(await everyRow(), first);
});
