/**
 * The README walkthrough with its own entry points (`eventpipe dev`, `eventpipe send --demo`, SQL),
 * then `eventpipe replay` over the archive that run wrote: twice gives identical rows, `--dry-run`
 * loads nothing, and `--tables` re-loads just the rows of the tables named.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync } from 'node:fs';
import { CLI, query, startDev, tempDataDir, waitForQuery, type DevProcess } from '../dev/harness.js';
import { counts as countRows, replay as replayCli } from './harness.js';

const run = promisify(execFile);
const dataDir = tempDataDir('replay');
let dev: DevProcess;

before(async () => {
  dev = await startDev(dataDir);
});
after(async () => {
  await dev?.stop().catch(() => dev.killGroup());
  rmSync(dataDir, { recursive: true, force: true });
});

const replay = (...args: string[]) => replayCli(dev, args);
const counts = () => countRows(dev);

let loaded: Record<string, number>;

test('walkthrough: eventpipe send --demo to the running dev, rows queryable in SQL', async () => {
  const sent = await run(
    process.execPath,
    [CLI, 'send', '--demo', '--count', '300', '--rate', '0', '--seed', '7', '--data-dir', dataDir],
    {
      timeout: 60_000,
    },
  );
  assert.match(sent.stdout, /sent 300, accepted 300, rejected 0/);
  // Every call lands: tracks, identifies, pages, screens, groups and aliases sum to 300.
  const eventTables = ['tracks', 'identifies', 'pages', 'screens', 'groups', 'aliases'];
  await waitForQuery(
    dev.info.warehouseUrl,
    eventTables.map((t) => `select count(*) as n from "demo"."${t}"`).join(' union all '),
    (rows) =>
      rows.length === eventTables.length &&
      rows.reduce((sum, r) => sum + Number((r as { n: string }).n), 0) === 300,
  );
  loaded = await counts();
  assert.ok((loaded.order_completed ?? 0) > 0 && (loaded.product_viewed ?? 0) > 0, JSON.stringify(loaded));
  // eventpipe dev turns the built-in enrichments on: every demo event has a browser User-Agent.
  const [missing] = await query<{ n: string }>(
    dev.info.warehouseUrl,
    'select count(*) as n from "demo"."tracks" where "context_user_agent_browser_name" is null',
  );
  assert.equal(Number(missing!.n), 0);
});

test('replay twice leaves the same rows; --dry-run shows rows per table and loads nothing', async () => {
  const dry = await replay('--dry-run');
  assert.match(dry.stdout, /rows a load would merge/);
  assert.match(dry.stdout, new RegExp(`demo\\.tracks\\s+${loaded.tracks}\\b`));
  await replay();
  assert.deepEqual(await counts(), loaded);
  const second = await replay();
  assert.match(second.stdout, /\d+ archive objects, 300 events/);
  assert.deepEqual(await counts(), loaded);
});

test('replay --tables re-loads just those tables after their rows were removed', async () => {
  await query(dev.info.warehouseUrl, 'delete from "demo"."tracks"');
  await query(dev.info.warehouseUrl, 'delete from "demo"."pages"');
  const result = await replay('--tables', 'tracks');
  assert.match(result.stdout, new RegExp(`demo\\.tracks\\s+${loaded.tracks}\\b`));
  assert.deepEqual(await counts(), { ...loaded, pages: 0 });
});
