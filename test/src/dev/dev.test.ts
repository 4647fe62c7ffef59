/**
 * `eventpipe dev` as a user runs it (the real executable, `--json`): SDK events reach PostgreSQL; a
 * stop and restart on the same data dir keeps every row and loads what was pending; a kill -9 of the
 * whole process group loses nothing the collector acknowledged.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { startDev, tempDataDir, waitForQuery, type DevInfo, type DevProcess } from './harness.js';

const dataDir = tempDataDir('dev');
let running: DevProcess | undefined;
after(async () => {
  // SIGTERM first, so dev stops its servers in order (after a kill -9 their supervisors would).
  await running?.stop().catch(() => running?.killGroup());
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Messages a stopped or killed loader held unacked come back after the consumer's ack_wait: a short
 * one keeps the test fast (the restart updates the consumer to it).
 */
const SHORT_ACK_WAIT = { EVENTPIPE_LOADER_ACK_WAIT_SECONDS: '5' };

/** Sends `count` tracks with the Segment SDK; resolves once every one was acknowledged (HTTP 200). */
async function sendWithSdk(info: DevInfo, count: number, prefix: string): Promise<void> {
  const analytics = new Analytics({
    writeKey: info.writeKey,
    host: info.collectorUrl,
    flushAt: 25,
    maxRetries: 3,
  });
  const failures: unknown[] = [];
  analytics.on('error', (error) => failures.push(error));
  for (let i = 0; i < count; i++) {
    analytics.track({
      userId: `u${i % 7}`,
      event: 'Order Completed',
      messageId: `${prefix}-${i}`,
      properties: { n: i },
    });
  }
  await analytics.closeAndFlush({ timeout: 15_000 });
  assert.deepEqual(failures, [], 'every event acknowledged');
}

const countTracks = (info: DevInfo, expected: number) =>
  waitForQuery<{ n: string }>(
    info.warehouseUrl,
    `select count(*) as n from "${info.warehouseSchema}"."tracks"`,
    (rows) => Number(rows[0]?.n) === expected,
    30_000,
  );

test('dev: start, SDK events land in PostgreSQL, SIGTERM stops everything', async () => {
  running = await startDev(dataDir);
  const { info } = running;
  assert.equal(info.sourceId, 'demo');
  assert.match(info.warehouseUrl, /^postgres:\/\/.*127\.0\.0\.1/);
  assert.equal(running.stdout().trim().split('\n').length, 1, 'exactly one line on stdout');
  console.log(`# eventpipe dev ready in ${running.readyMs} ms (cold)`);

  // The console is up and opens with the printed token only.
  assert.equal((await fetch(`${info.consoleUrl}/api/sources`)).status, 401);
  const sources = await fetch(`${info.consoleUrl}/api/sources`, {
    headers: { authorization: `Bearer ${info.consoleToken}` },
  });
  assert.deepEqual(await sources.json(), { sources: ['demo'] });

  await sendWithSdk(info, 60, 'first');
  await countTracks(info, 60);
  await waitForQuery(
    info.warehouseUrl,
    `select count(*) as n from "demo"."order_completed"`,
    (r) => Number(r[0]?.n) === 60,
  );

  assert.equal(await running.stop(), 0);
  running = undefined;
  assert.equal(existsSync(join(dataDir, 'dev.pid')), false, 'lock released');
});

test('dev: a restart keeps the rows, the write key and the ports, and loads what was pending', async () => {
  const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as {
    writeKey: string;
    ports: object;
  };
  // A batch age far beyond the test: accepted events stay pending in JetStream until the stop.
  running = await startDev(dataDir, { EVENTPIPE_LOADER_BATCH_MAX_AGE_MS: '600000' });
  console.log(`# eventpipe dev ready in ${running.readyMs} ms (warm)`);
  assert.equal(running.info.writeKey, state.writeKey);
  await sendWithSdk(running.info, 40, 'second');
  assert.equal(await running.stop(), 0);

  running = await startDev(dataDir, SHORT_ACK_WAIT);
  assert.deepEqual(
    (JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')) as { ports: object }).ports,
    state.ports,
    'remembered ports reused',
  );
  await countTracks(running.info, 100);
  assert.equal(await running.stop(), 0);
  running = undefined;
});

test('dev: kill -9 of the process group, then a restart, loses nothing acknowledged', async () => {
  running = await startDev(dataDir, { EVENTPIPE_LOADER_BATCH_MAX_AGE_MS: '600000' });
  await sendWithSdk(running.info, 30, 'third');
  await running.killGroup();
  assert.equal(existsSync(join(dataDir, 'dev.pid')), true, 'the killed run left its lock behind');

  // Stale lock, orphaned PostgreSQL, its postmaster.pid and busy ports are all handled on restart.
  running = await startDev(dataDir, SHORT_ACK_WAIT);
  await countTracks(running.info, 130);
  assert.equal(await running.stop(), 0);
  running = undefined;
});
