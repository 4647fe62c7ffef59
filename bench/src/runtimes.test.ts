import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argsForOneRun } from './runtimes.js';

test('each runtime run keeps the scenario options and gets its own output directory', () => {
  assert.deepEqual(
    argsForOneRun(['--only', 'loader', '--node', 'a,b', '--quick', '--out=/x', '--out', '/y']),
    ['--only', 'loader', '--quick'],
  );
  assert.deepEqual(argsForOneRun(['--node=a,b', '--profile', '/p']), ['--profile', '/p']);
});
