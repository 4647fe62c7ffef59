// Runs every compiled test file with node's built-in test runner.
// Node 20 cannot expand globs in `node --test`, so the files are listed here.
// `--unit` runs only the tests next to the code (no servers); the default also runs test/ (integration).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const unitOnly = process.argv.includes('--unit');
const packages = [
  'core',
  'local',
  'collector',
  'loader',
  'operator',
  'cli',
  'bench',
  ...(unitOnly ? [] : ['test']),
];

function findTests(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const files = packages.flatMap((p) => findTests(join(p, 'dist')));
if (files.length === 0) {
  console.error('no compiled test files found: run `npm run build` first');
  process.exit(1);
}
const extra = process.argv.slice(2).filter((a) => a !== '--unit');
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...extra, ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
