/**
 * "Nothing lost, nothing doubled" under a fault schedule: the whole pipeline as separate processes,
 * an SDK-like load, and every fault of the schedule while the load runs (see run.ts and faults.ts).
 * Every event that got a 200 must be in the warehouse exactly once with the content that was sent,
 * and in the raw archive once per batch that held it.
 *
 * `npm test` runs the short schedule; `npm run test:chaos -- --long` (EVENTPIPE_CHAOS_SCHEDULE=long)
 * the long one. docs/reliability.md records the figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_KINDS } from './faults.js';
import { formatReport, LONG, runChaos, SHORT } from './run.js';

const schedule = process.env.EVENTPIPE_CHAOS_SCHEDULE === 'long' ? LONG : SHORT;

test(
  `chaos (${schedule.name} schedule): every acknowledged event loaded exactly once, unchanged`,
  {
    timeout: schedule === LONG ? 30 * 60_000 : 5 * 60_000,
  },
  async (t) => {
    const report = await runChaos(schedule, (line) => t.diagnostic(line));
    for (const line of formatReport(report)) {
      t.diagnostic(line);
      console.log(line);
    }
    const v = report.verdict;
    assert.ok(v.acknowledged > schedule.eventsPerSecond, 'the load got through between faults');
    assert.deepEqual(v.missing, [], 'no acknowledged event is missing');
    assert.deepEqual(v.duplicates, [], 'no event is loaded twice');
    assert.deepEqual(v.changed, [], 'every row holds what the client sent');
    assert.deepEqual(v.unknown, [], 'no row the client did not send');
    assert.deepEqual(v.rejected, [], 'no valid event refused with a 4xx');
    assert.deepEqual(v.archive.missing, [], 'every acknowledged event is archived raw');
    assert.deepEqual(v.archive.duplicatesInBatch, [], 'no event twice in one archived batch');
    assert.deepEqual(v.archive.changed, [], 'the archive holds what the client sent');
    assert.equal(report.deadLetters, 0, 'nothing dead-lettered');
    for (const kind of FAULT_KINDS) {
      assert.equal(report.injectedByKind[kind], schedule.rounds, `${kind} injected ${schedule.rounds} times`);
    }
    assert.deepEqual(report.crashes, [], 'no process exited unless killed by a fault');
  },
);
