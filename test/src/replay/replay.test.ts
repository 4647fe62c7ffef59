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

/** Rows per table of the demo schema. */
async function counts(): Promise<Record<string, number>> {
  const tables = await query<{ table_name: string }>(
    dev.info.warehouseUrl,
    `select table_name from information_schema.tables where table_schema = '${dev.info.warehouseSchema}' order by 1`,
  );
  const result: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await query<{ n: string }>(
      dev.info.warehouseUrl,
      `select count(*) as n from "${dev.info.warehouseSchema}"."${table_name}"`,
    );
    result[table_name] = Number(row!.n);
  }
  return result;
}

function replay(...args: string[]) {
  const today = new Date().toISOString().slice(0, 10);
  return run(process.execPath, [CLI, 'replay', '--source', 'demo', '--from', today, '--to', today, ...args], {
    timeout: 60_000,
    env: {
      ...process.env,
      EVENTPIPE_S3_ENDPOINT: dev.info.s3Url,
      EVENTPIPE_S3_BUCKET: dev.info.bucket,
      EVENTPIPE_S3_FORCE_PATH_STYLE: 'true',
      EVENTPIPE_S3_ACCESS_KEY_ID: 'S3RVER',
      EVENTPIPE_S3_SECRET_ACCESS_KEY: 'S3RVER',
      EVENTPIPE_WAREHOUSE_URL: dev.info.warehouseUrl,
      EVENTPIPE_LOG_LEVEL: 'warn',
    },
  });
}

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
