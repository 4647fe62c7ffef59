import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inCgroup, memoryCgroup, POD_MEMORY_LIMIT } from './memory-limit.js';

test('the collector and loader are measured under their pods’ default memory limits', () => {
  assert.deepEqual(POD_MEMORY_LIMIT, { collector: '512Mi', loader: '1Gi' });
});

test('a process that joins the cgroup runs under its limit, and V8 sizes its heap from it', (t) => {
  const cgroup = memoryCgroup('256Mi');
  if (cgroup === undefined) {
    t.skip('no memory cgroup can be made here (not root, or no memory controller)');
    return;
  }
  try {
    const limitFile = ['memory.limit_in_bytes', 'memory.max']
      .map((name) => join(dirname(cgroup.procs), name))
      .find((file) => existsSync(file))!;
    assert.equal(readFileSync(limitFile, 'utf8').trim(), String(256 * 2 ** 20));
    const script = 'console.log(require("v8").getHeapStatistics().heap_size_limit)';
    const run = (args: string[]) => Number(spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' }).stdout);
    const inside = run(inCgroup(cgroup, [process.execPath, '-e', script]));
    const outside = run([process.execPath, '-e', script]);
    assert.ok(inside > 0 && inside < outside / 2, `heap limit ${inside} inside, ${outside} outside`);
  } finally {
    cgroup.remove();
  }
});
