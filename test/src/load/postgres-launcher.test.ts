/**
 * The PostgreSQL launcher `eventpipe dev` and the tests rely on: durable across SIGKILL, a kept data
 * dir reused, and a stale `postmaster.pid` (a kill -9, then the pid taken by another process) handled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  rmSync,
  writeFileSync,
  readFileSync,
  chmodSync,
  lstatSync,
  realpathSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startPostgres } from '@eventpipe/local';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

test('committed rows survive SIGKILL of every server process, and the server restarts', async () => {
  const server = await startPostgres();
  try {
    await query(server.url, 'CREATE TABLE t (x int)');
    await query(server.url, 'INSERT INTO t VALUES (1), (2)');
    await server.stop({ kill: true });
    await assert.rejects(query(server.url, 'SELECT 1'), /ECONNREFUSED/);
    await server.start();
    assert.deepEqual(await query(server.url, 'SELECT x FROM t ORDER BY x'), [{ x: 1 }, { x: 2 }]);
  } finally {
    await server.dispose();
  }
});

test('pause() freezes the server with connections open; resume() lets the held query finish', async () => {
  const server = await startPostgres();
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    server.pause();
    const held = client.query('SELECT 42 AS answer');
    const outcome = await Promise.race([held.then(() => 'answered'), sleep(1000).then(() => 'held')]);
    assert.equal(outcome, 'held', 'no answer while paused');
    server.resume();
    assert.deepEqual((await held).rows, [{ answer: 42 }]);
  } finally {
    await client.end();
    await server.dispose();
  }
});

test('a kept data dir is reused, with a stale postmaster.pid from a killed server', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'eventpipe-pg-kept-'));
  chmodSync(parent, 0o755); // the postgres user walks through it
  const dataDir = join(parent, 'pg');
  try {
    const first = await startPostgres({ dataDir });
    await query(first.url, 'CREATE TABLE kept (x int)');
    await query(first.url, 'INSERT INTO kept VALUES (7)');
    await first.stop({ kill: true });
    // Another live process now holds the pid written in the file (here: this test process).
    const pidFile = join(dataDir, 'postmaster.pid');
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    lines[0] = String(process.pid);
    writeFileSync(pidFile, lines.join('\n'));

    const second = await startPostgres({ dataDir, port: first.port });
    try {
      assert.equal(second.url, first.url);
      assert.deepEqual(await query(second.url, 'SELECT x FROM kept'), [{ x: 7 }]);
    } finally {
      await second.dispose();
    }
    assert.ok(readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim(), 'dispose keeps a kept data dir');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test(
  'as root, a cluster under a private (0700) dir is kept in a reachable dir and linked from there',
  {
    skip: process.getuid?.() !== 0 && 'PostgreSQL runs as another user only when started by root',
  },
  async () => {
    const parent = mkdtempSync(join(tmpdir(), 'eventpipe-pg-private-')); // 0700, as `mktemp -d` makes it
    const dataDir = join(parent, 'postgres');
    let linked: string | undefined;
    try {
      const first = await startPostgres({ dataDir });
      linked = realpathSync(dataDir);
      assert.ok(lstatSync(dataDir).isSymbolicLink(), 'the data dir links to the cluster');
      assert.equal(first.dataDir, linked);
      await query(first.url, 'CREATE TABLE kept (x int)');
      await query(first.url, 'INSERT INTO kept VALUES (9)');
      await first.stop();

      const second = await startPostgres({ dataDir, port: first.port });
      try {
        assert.equal(realpathSync(dataDir), linked, 'a restart follows the link');
        assert.deepEqual(await query(second.url, 'SELECT x FROM kept'), [{ x: 9 }]);
      } finally {
        await second.dispose();
      }
    } finally {
      rmSync(parent, { recursive: true, force: true });
      if (linked) rmSync(linked, { recursive: true, force: true });
    }
  },
);
