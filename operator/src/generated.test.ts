import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './generated.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

for (const [path, expected] of Object.entries(generatedFiles())) {
  test(`${path} is up to date with the TypeBox schemas (else run: npm run generate)`, () => {
    let actual = '';
    try {
      actual = readFileSync(join(root, path), 'utf8');
    } catch {
      assert.fail(`${path} is missing: run npm run generate`);
    }
    assert.equal(actual, expected, `${path} is stale: run npm run generate`);
  });
}
