/**
 * The commands run beside `eventpipe dev` (`send`, `replay`) take its settings from its data dir,
 * say which settings they used, or what is missing when there is no running dev; and their output
 * is not buried under the AWS SDK's Node-version warning.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { CLI, startDev, tempDataDir, waitForQuery, type DevProcess } from './harness.js';
import { keepProcessOutput } from '../secrets.js';

const exec = promisify(execFile);
const dataDir = tempDataDir('dev-commands');
const emptyDataDir = tempDataDir('dev-commands-none');
let dev: DevProcess | undefined;
after(async () => {
  await dev?.stop().catch(() => dev?.killGroup());
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(emptyDataDir, { recursive: true, force: true });
});

/** The environment of a user's other terminal: no EVENTPIPE_* settings. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('EVENTPIPE_')),
);

/** Runs `eventpipe …` from another directory; resolves with its exit code and output. */
async function eventpipe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      env,
      cwd: tmpdir(),
      timeout: 60_000,
    });
    keepProcessOutput(`eventpipe ${args[0]}`, stdout + stderr);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    keepProcessOutput(`eventpipe ${args[0]}`, e.stdout + e.stderr);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const today = new Date().toISOString().slice(0, 10);
const replayArgs = ['replay', '--source', 'demo', '--from', today, '--to', today];

test('send and replay beside a running dev use its settings and say so', async () => {
  dev = await startDev(dataDir);
  const sent = await eventpipe(['send', '--demo', '--count', '40', '--rate', '0', '--data-dir', dataDir]);
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stderr, new RegExp(`collector and key from the running "eventpipe dev" of ${dataDir}`));
  await waitForQuery(
    dev.info.warehouseUrl,
    `select count(*) as n from "demo"."tracks"`,
    (rows: { n: string }[]) => Number(rows[0]?.n) > 0,
    30_000,
  );

  for (const mode of [['--dry-run'], []]) {
    const replay = await eventpipe([...replayArgs, ...mode, '--data-dir', dataDir]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(
      replay.stderr,
      new RegExp(`settings from the running "eventpipe dev" of ${dataDir} \\(pid \\d+\\)`),
    );
    assert.ok(replay.stderr.includes(`archive ${dev.info.s3Url} bucket ${dev.info.bucket}`), replay.stderr);
    assert.ok(replay.stderr.includes(`warehouse ${dev.info.warehouseUrl}`), replay.stderr);
    assert.match(replay.stdout, /[1-9]\d* archive objects, [1-9]\d* events/);
    assert.doesNotMatch(replay.stderr, /NodeVersionSupportWarning/);
  }
});

test('replay without a running dev or settings says what is missing', async () => {
  const replay = await eventpipe([...replayArgs, '--dry-run', '--data-dir', emptyDataDir]);
  assert.equal(replay.code, 1);
  assert.match(replay.stderr, /EVENTPIPE_WAREHOUSE_URL is required, and there is no running "eventpipe dev"/);
  assert.ok(replay.stderr.includes(`no "eventpipe dev" data in ${emptyDataDir}`), replay.stderr);
});
