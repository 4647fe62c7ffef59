import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLeaks, TEST_SECRETS } from './secrets.js';

test('findLeaks finds each kind of secret in any log file, and counts what it read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventpipe-leaks-'));
  try {
    writeFileSync(join(dir, 'tests-1.log'), '{"msg":"batch loaded"}\n');
    assert.deepEqual(findLeaks(dir), { leaks: [], bytes: 23 });

    const basic = Buffer.from(`${TEST_SECRETS.writeKey}:`).toString('base64');
    writeFileSync(join(dir, 'process-2.log'), `authorization: Basic ${basic}\n`);
    writeFileSync(join(dir, 'tests-3.log'), `postgres://u:${TEST_SECRETS.warehousePassword}@h/db\n`);
    writeFileSync(join(dir, 'secrets-4.txt'), 'token-made-at-run-time\nshort\n');
    writeFileSync(join(dir, 'tests-4.log'), 'kubeconfig token-made-at-run-time short\n');
    const { leaks } = findLeaks(dir);
    assert.deepEqual(leaks.map((l) => `${l.file}: ${l.secret}`).sort(), [
      'process-2.log: writeKey (Basic auth)',
      'tests-3.log: warehousePassword',
      'tests-4.log: tok… (registered)',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
