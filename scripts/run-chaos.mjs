// `npm run test:chaos`: the chaos suite alone (test/src/chaos), short schedule;
// `npm run test:chaos -- --long` runs the long one (the same as EVENTPIPE_CHAOS_SCHEDULE=long).
import { spawnSync } from 'node:child_process';

const long = process.argv.includes('--long');
const result = spawnSync(process.execPath, ['--test', 'test/dist/chaos/chaos.test.js'], {
  stdio: 'inherit',
  env: { ...process.env, ...(long ? { EVENTPIPE_CHAOS_SCHEDULE: 'long' } : {}) },
});
process.exit(result.status ?? 1);
