/**
 * `eventpipe dev` never leaves a server behind and never hangs: when it dies (kill -9 of the dev
 * process alone), when PostgreSQL cannot start, and when one of its servers dies under it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processesMentioning, startDev, tempDataDir, waitForNoProcess } from './harness.js';

const dataDirs: string[] = [];
after(() => {
  for (const dir of dataDirs) {
    for (const pid of processesMentioning(dir).keys()) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

function newDataDir(name: string): string {
  const dir = tempDataDir(name);
  dataDirs.push(dir);
  return dir;
}

/** Seconds for the servers to notice and shut down cleanly, with room for a busy 2-core machine. */
const CLEANUP_BOUND_MS = 15_000;
/** About 2 s on an idle machine (nats-server finishes starting, then is stopped); much more on a busy one. */
const START_FAILURE_BOUND_MS = 30_000;

test('dev: after a kill -9 of the dev process alone, its nats-server and PostgreSQL stop', async () => {
  const dataDir = newDataDir('dev-kill');
  const dev = await startDev(dataDir);
  const servers = [...processesMentioning(dataDir).values()];
  assert.ok(
    servers.some((cmd) => cmd.includes('nats-server')) && servers.some((cmd) => / -D \S*postgres/.test(cmd)),
    `nats-server and postgres run on the data dir:\n${servers.join('\n')}`,
  );

  process.kill(dev.child.pid!, 'SIGKILL'); // the dev process only, not its group
  const ms = await waitForNoProcess(dataDir, CLEANUP_BOUND_MS);
  console.log(`# servers gone ${ms} ms after the kill -9 of eventpipe dev`);
});

test('dev: PostgreSQL failing to start ends dev non-zero within seconds, with nothing left running', async () => {
  const dataDir = newDataDir('dev-pgfail');
  // A cluster dir PostgreSQL refuses to start from (it has a version file and nothing else).
  mkdirSync(join(dataDir, 'postgres'), { recursive: true });
  writeFileSync(join(dataDir, 'postgres', 'PG_VERSION'), '1\n');
  const started = Date.now();
  await assert.rejects(startDev(dataDir, {}, START_FAILURE_BOUND_MS), /exited with 1 before it was ready/);
  const ms = Date.now() - started;
  console.log(`# eventpipe dev exited ${ms} ms after its start, PostgreSQL having failed`);
  assert.ok(ms < START_FAILURE_BOUND_MS);
  await waitForNoProcess(dataDir, 1_000);
});

test('dev: a server that dies under a running dev ends dev non-zero, with nothing left running', async () => {
  const dataDir = newDataDir('dev-natsdies');
  const dev = await startDev(dataDir);
  const [natsPid] =
    [...processesMentioning(dataDir)].find(
      ([, cmd]) => cmd.startsWith('/') && cmd.includes('nats-server -js'),
    ) ?? [];
  assert.ok(natsPid, 'nats-server found');
  const exited = new Promise<number | null>((resolve) => dev.child.once('exit', resolve));
  const killed = Date.now();
  process.kill(natsPid, 'SIGKILL');
  assert.equal(await Promise.race([exited, sleep(CLEANUP_BOUND_MS).then(() => 'still running')]), 1);
  console.log(`# eventpipe dev exited ${Date.now() - killed} ms after its nats-server was killed`);
  assert.match(dev.stderr(), /nats-server on port \d+ exited/);
  await waitForNoProcess(dataDir, CLEANUP_BOUND_MS);
});
