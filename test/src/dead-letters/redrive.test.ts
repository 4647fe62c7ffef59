/**
 * Dead letters people can act on, end to end with real servers (nats-server, PostgreSQL, s3rver), a
 * loader in this process and `eventpipe dead-letter` as a child process: a poison event is
 * dead-lettered (a CHECK constraint added by hand refuses it), `list` and `show` tell what and why,
 * the cause is fixed, `redrive` sends it back through the loader and the row appears exactly once,
 * and redriving again, even past the stream's duplicate window, never makes a second row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@eventpipe/core';
import { openDeadLetters, startLoader } from '@eventpipe/loader';
import {
  ackFloor,
  configOf,
  countRows,
  envelope,
  publish,
  query,
  settings,
  useServers,
  waitFor,
} from '../e2e/harness.js';
import { CLI } from '../dev/harness.js';

const exec = promisify(execFile);
const log = createLogger('test', process.env.EVENTPIPE_TEST_LOG_LEVEL ?? 'silent');
const suite = useServers();

/** A short duplicate window, so a test can redrive again past it and reach the warehouse's merge. */
const DUPLICATE_WINDOW_SECONDS = 1;

async function eventpipe(env: Record<string, string>, args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, 'dead-letter', ...args], {
      env: { PATH: process.env.PATH, ...env },
      cwd: tmpdir(),
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const poisonQuantity = { event: 'Order Completed', properties: { revenue: 1, quantity: 500 } };

test('a poison event: listed with its reason, redriven once the cause is fixed, loaded exactly once', async () => {
  const env = settings(suite.servers, {
    EVENTPIPE_NATS_DUPLICATE_WINDOW_SECONDS: String(DUPLICATE_WINDOW_SECONDS),
  });
  const config = configOf(env);
  const url = suite.servers.postgres.url;
  const allAcked = async () =>
    (await ackFloor(suite.nats.jsm, config)) >=
    (await suite.nats.jsm.streams.info(config.nats.stream)).state.last_seq;
  const orders = async () =>
    (await query<{ id: string }>(url, 'SELECT id FROM web.order_completed ORDER BY id')).map((r) => r.id);

  const loader = await startLoader(config, log);
  try {
    await publish(suite.nats.nc, config, [envelope('good-1')]);
    await waitFor('the first event loaded', allAcked);
    // The cause: a constraint added by hand that the poison event breaks (a permanent error, 23514).
    await query(url, 'ALTER TABLE web.order_completed ADD CONSTRAINT small_orders CHECK (quantity < 100)');
    await publish(suite.nats.nc, config, [
      envelope('poison-1', 'track', poisonQuantity),
      envelope('good-2'),
      // A value its column cannot hold: loaded, and kept in the row's _rejected.
      envelope('odd-1', 'track', { properties: { revenue: 1, quantity: 'many' } }),
    ]);
    await waitFor('the batch acked, the poison event dead-lettered', allAcked);
    assert.deepEqual(await orders(), ['good-1', 'good-2', 'odd-1']);

    const deadLetters = openDeadLetters(config, log);
    try {
      const entries = await deadLetters.list();
      assert.equal(entries.length, 1, JSON.stringify(entries));
      const [dead] = entries;
      assert.equal(dead!.messageId, 'poison-1');
      assert.equal(dead!.sourceId, 'web');
      assert.match(dead!.reason, /small_orders/);
      assert.match(dead!.id, /^[0-9a-f]{12}$/);
      assert.equal(dead!.redriven, undefined);
      assert.deepEqual(await deadLetters.list({ sourceId: 'app' }), []);
      const summary = await deadLetters.summary(new Date(Date.now() - 3_600_000), 'web');
      assert.deepEqual(summary.deadLetters, [{ sourceId: 'web', reason: 'load', pending: 1, redriven: 0 }]);
      assert.deepEqual(
        summary.tables.filter((t) => t.rejected > 0),
        [{ table: 'web.order_completed', rows: 3, rejected: 1, enrichmentErrors: 0 }],
      );
      // Counted by load time: nothing loaded or failed after now.
      const later = await deadLetters.summary(new Date(Date.now() + 3_600_000), 'web');
      assert.deepEqual(later.deadLetters, []);
      assert.deepEqual(
        later.tables.filter((t) => t.rows > 0),
        [],
      );

      const listed = await eventpipe(env, [
        'list',
        '--reason',
        'CHECK CONSTRAINT',
        '--source',
        'web',
        '--since',
        '1h',
      ]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(
        listed.stdout,
        new RegExp(`^${dead!.id}  .* web +poison-1 +1 +pending +load: .*small_orders`, 'm'),
      );

      const shown = await eventpipe(env, ['show', dead!.id]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^reason: +load: .*small_orders/m);
      assert.match(shown.stdout, /"messageId": "poison-1"/);
      assert.match(shown.stdout, /"quantity": 500/);

      // Redriven before the cause is fixed: it fails again and comes back as a new dead letter (its
      // new stream sequence gives it a new id); the first one stays redriven.
      assert.equal((await deadLetters.redrive({ ids: [dead!.id] })).redriven, 1);
      await waitFor('the early redrive dead-lettered again', allAcked);
      const [again] = await deadLetters.list();
      assert.equal(again?.messageId, 'poison-1');
      assert.notEqual(again!.id, dead!.id);
      assert.deepEqual(await orders(), ['good-1', 'good-2', 'odd-1']);

      await query(url, 'ALTER TABLE web.order_completed DROP CONSTRAINT small_orders');

      const redriven = await eventpipe(env, ['redrive', '--id', again!.id]);
      assert.equal(redriven.code, 0, redriven.stderr);
      assert.match(redriven.stdout, new RegExp(`^${again!.id}  redriven → EVENTS #\\d+$`, 'm'));
      assert.match(redriven.stdout, /1 selected: 1 redriven/);
      assert.match(redriven.stderr, /redrive .*1\/1 dead letters/);
      await waitFor('the redriven event loaded', allAcked);
      assert.deepEqual(await orders(), ['good-1', 'good-2', 'odd-1', 'poison-1']);
      assert.deepEqual(await countRows(url, 'web', 'tracks'), { rows: 4, ids: 4 });

      // Redriving again: nothing pending, and the named one is reported as done before.
      assert.equal((await deadLetters.redrive({ all: true })).selected, 0);
      const named = await deadLetters.redrive({ ids: [dead!.id, again!.id] });
      assert.deepEqual(
        named.outcomes.map((o) => o.outcome),
        ['already-redriven', 'already-redriven'],
      );
      assert.deepEqual(await deadLetters.list(), []);
      const history = await deadLetters.list({ includeRedriven: true });
      assert.deepEqual(
        history.map((e) => [e.id, e.redriven?.stream]),
        [
          [dead!.id, 'EVENTS'],
          [again!.id, 'EVENTS'],
        ],
      );

      // A crash after the publish and before the redrive was recorded: the redrive runs again, past
      // the stream's duplicate window, so the message is published a second time and the merge must
      // skip it.
      await query(url, 'DELETE FROM _eventpipe.dead_letter_redrives WHERE stream_sequence = $1', [
        again!.streamSequence,
      ]);
      await sleep(DUPLICATE_WINDOW_SECONDS * 1000 + 500);
      const progress: string[] = [];
      const repeat = await deadLetters.redrive({ all: true }, (p) => progress.push(`${p.done}/${p.total}`));
      assert.equal(repeat.redriven, 1);
      assert.deepEqual(progress, ['1/1']);
      assert.deepEqual(
        repeat.outcomes.map((o) => o.outcome === 'redriven' && o.duplicate),
        [false],
        'published again, not dropped by the stream as a duplicate',
      );
      await waitFor('the repeat loaded', allAcked);
      assert.deepEqual(await orders(), ['good-1', 'good-2', 'odd-1', 'poison-1']);
      assert.deepEqual(await countRows(url, 'web', 'tracks'), { rows: 4, ids: 4 });
    } finally {
      await deadLetters.close();
    }
  } finally {
    await loader.close();
  }
});

test('what cannot go back is said: an id that names nothing, a malformed id, no selection', async () => {
  const deadLetters = openDeadLetters(configOf(settings(suite.servers)), log);
  try {
    const unknown = await deadLetters.redrive({ ids: ['0123456789ab'] });
    assert.deepEqual(unknown.outcomes, [{ id: '0123456789ab', outcome: 'not-found' }]);
    await assert.rejects(deadLetters.show('nope'), /"nope" is not a dead letter id/);
    await assert.rejects(deadLetters.redrive({}), /choose the dead letters to redrive/);
  } finally {
    await deadLetters.close();
  }
  const cli = await eventpipe(settings(suite.servers), ['redrive', '--id', '0123456789ab']);
  assert.equal(cli.code, 1, 'an id not found fails the command');
  assert.match(cli.stdout, /^0123456789ab {2}no dead letter has this id$/m);
});
