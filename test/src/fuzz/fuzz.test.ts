/**
 * CI's short fuzzing run: every committed corpus input first (each once crashed or found new
 * coverage, so they are regression tests), then each target mutated for `FUZZ_SECONDS` (default 15).
 * Longer runs: `npm run fuzz -- --seconds 600`. Findings are written to a temp folder and named in
 * the failure, so the input can be committed to the corpus with its fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fuzz } from './engine.js';
import { TARGETS } from './targets.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 15);
const CORPUS = resolve(import.meta.dirname, '../../../fuzz/corpus');

for (const [name, target] of Object.entries(TARGETS)) {
  test(`fuzz ${name} for ${SECONDS} s: no crash, no hang`, async () => {
    const report = await fuzz(target(), {
      seconds: SECONDS,
      corpusDir: join(CORPUS, name),
      findingsDir: mkdtempSync(join(tmpdir(), `fuzz-${name}-`)),
      log: () => undefined,
    });
    assert.equal(
      report.finding,
      undefined,
      report.finding && `${report.finding.file}\n${report.finding.error}`,
    );
    // The corpus ran and the mutations reached code it did not: the loop works.
    assert.ok(report.corpus > 1 && report.features > 100, JSON.stringify(report));
    console.log(
      `fuzz ${name}: ${report.executions} executions in ${report.seconds} s, corpus ${report.corpus}, features ${report.features}`,
    );
  });
}
