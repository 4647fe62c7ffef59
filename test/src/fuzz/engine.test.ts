import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzz } from './engine.js';

/** Throws only for inputs starting `F`, `U`, `Z`: reachable in time only by keeping the inputs that got further. */
function magic(data: Buffer): void {
  if (data[0] === 0x46) {
    if (data[1] === 0x55) {
      if (data[2] === 0x5a) throw new Error('found FUZ');
    }
  }
}

test('coverage guidance finds a three-step input, reports it as a crash and writes it', async () => {
  const findings = mkdtempSync(join(tmpdir(), 'fuzz-engine-'));
  const report = await fuzz(
    { name: 'magic', covers: ['/fuzz/engine.test.js'], dictionary: ['F', 'U', 'Z'], run: magic },
    {
      seconds: 60,
      corpusDir: join(findings, 'no-corpus'),
      findingsDir: findings,
      seed: 3,
      log: () => undefined,
    },
  );
  assert.ok(report.finding, `not found in ${report.executions} executions`);
  assert.match(report.finding.error, /found FUZ/);
  assert.equal(readFileSync(report.finding.file).subarray(0, 3).toString(), 'FUZ');
});
