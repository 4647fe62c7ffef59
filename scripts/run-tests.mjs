// Runs every compiled test file with node's built-in test runner.
// Node 20 cannot expand globs in `node --test`, so the files are listed here.
// `--unit` runs only the tests next to the code (no servers); the default also runs test/ (integration).
//
// With the integration tests, every test logger and every eventpipe process the tests spawn logs at
// debug level into one directory (EVENTPIPE_TEST_LOG_DIR), and after the run those logs are searched
// for the suites' secrets (write keys, warehouse password, S3 secret key, API server tokens: see
// test/src/secrets.ts): the run fails if any was logged, or if no log was captured at all.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const unitOnly = process.argv.includes('--unit');
const packages = [
  'core',
  'local',
  'collector',
  'loader',
  'console',
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
const logDir = unitOnly ? undefined : mkdtempSync(join(tmpdir(), 'eventpipe-test-logs-'));
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...extra, ...files], {
  stdio: 'inherit',
  env: logDir ? { ...process.env, EVENTPIPE_TEST_LOG_DIR: logDir } : process.env,
});
let status = result.status ?? 1;
if (logDir) {
  const { findLeaks } = await import(pathToFileURL(join('test', 'dist', 'secrets.js')).href);
  const { leaks, bytes } = findLeaks(logDir);
  if (leaks.length > 0) {
    for (const { file, secret } of leaks)
      console.error(`secret in the test logs: ${secret} in ${join(logDir, file)}`);
    status = 1;
  } else if (bytes === 0) {
    console.error(`no logs were captured in ${logDir}: the secrets check would prove nothing`);
    status = 1;
  } else {
    console.log(`# logs checked for secrets: ${(bytes / 1e6).toFixed(1)} MB, none found`);
    rmSync(logDir, { recursive: true, force: true });
  }
}
process.exit(status);
