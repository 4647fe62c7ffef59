import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { acquireDevLock, isAlive, lockPath } from './lock.js';
import { choosePorts, isPortFree } from './ports.js';
import { createServer } from 'node:net';

const tempDir = () => mkdtempSync(join(tmpdir(), 'eventpipe-lock-'));

test('a live owner keeps the data dir; release frees it', () => {
  const dir = tempDir();
  try {
    const lock = acquireDevLock(dir);
    assert.equal(readFileSync(lockPath(dir), 'utf8').trim(), String(process.pid));
    // Another process (pid 1 is always alive) holding the lock stops a second start.
    writeFileSync(lockPath(dir), '1\n');
    assert.throws(() => acquireDevLock(dir, 12345), /another "eventpipe dev" \(pid 1\) is running/);
    writeFileSync(lockPath(dir), `${process.pid}\n`);
    lock.release();
    assert.equal(existsSync(lockPath(dir)), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pid file left by a killed run is detected as stale and taken over', () => {
  const dir = tempDir();
  try {
    // A pid that existed and is gone now: a child that already exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    assert.equal(isAlive(deadPid), false);
    writeFileSync(lockPath(dir), `${deadPid}\n`);
    const lock = acquireDevLock(dir);
    assert.equal(lock.recoveredStale, true);
    lock.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('remembered ports are reused when free and replaced when taken', async () => {
  const first = await choosePorts();
  assert.equal(new Set(Object.values(first)).size, 4);
  assert.deepEqual(await choosePorts(first), first);

  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(first.nats, '127.0.0.1', resolve));
  try {
    assert.equal(await isPortFree(first.nats), false);
    const next = await choosePorts(first);
    assert.notEqual(next.nats, first.nats);
    assert.equal(next.postgres, first.postgres);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
