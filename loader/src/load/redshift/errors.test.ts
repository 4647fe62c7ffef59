import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyQueryIdFromError,
  explainCopyFailure,
  isPermanentRedshiftError,
  isSerializableIsolationError,
  LOAD_ERROR_QUERIES,
  RedshiftLoadError,
  type Queryable,
} from './errors.js';
import { InvalidIdentifierError } from '../dialect.js';

/** A database error shaped like the ones `pg` raises for Redshift. */
function dbError(message: string, code: string, detail?: string): Error {
  return Object.assign(new Error(message), { code, detail });
}

const copyFailed = dbError(
  "Load into table 'stage_1' failed. Check 'sys_load_error_detail' system table for details.",
  'XX000',
  [
    '-----------------------------------------------',
    "  error:  Invalid digit, Value 'a', Pos 0, Type: Long",
    '  code:      1207',
    '  query:     7781',
    '-----------------------------------------------',
  ].join('\n'),
);

const rejectedRow = {
  file: 's3://b/load/web/tracks/b1.ndjson.gz',
  line: '12',
  column_name: 'price',
  column_type: 'int8',
  pos: 0,
  code: 1207,
  reason: "Invalid digit, Value 'a', Pos 0, Type: Long",
};

/** Answers queries from a script keyed by SQL text; records what was asked. */
type Answer = (values?: unknown[]) => Record<string, unknown>[];

function scripted(script: [string, Answer][]) {
  const answers = new Map(script);
  const asked: { text: string; values?: unknown[] }[] = [];
  const db: Queryable = {
    async query(text, values) {
      asked.push({ text, values });
      const answer = answers.get(text);
      if (!answer) throw dbError(`relation does not exist (${text.slice(0, 30)})`, '42P01');
      return { rows: answer(values) };
    },
  };
  return { db, asked };
}

test('error 1023 is recognised by its message (Redshift) or SQLSTATE 40001 (PostgreSQL)', () => {
  const serializable = dbError(
    '1023',
    'XX000',
    'Serializable isolation violation on table - 1234, transactions forming the cycle are: 1, 2 (pid:3)',
  );
  assert.equal(isSerializableIsolationError(serializable), true);
  assert.equal(isSerializableIsolationError(dbError('could not serialize access', '40001')), true);
  assert.equal(isSerializableIsolationError(copyFailed), false);
  assert.equal(isSerializableIsolationError('not an error'), false);
});

test('the COPY query id is read from the DETAIL block of the error', () => {
  assert.equal(copyQueryIdFromError(copyFailed), 7781);
  assert.equal(copyQueryIdFromError(dbError('no id here', 'XX000')), undefined);
});

test('a failed COPY is reported with file, line, column and reason from SYS_LOAD_ERROR_DETAIL', async () => {
  const { db, asked } = scripted([[LOAD_ERROR_QUERIES.sys, () => [rejectedRow]]]);
  const explained = await explainCopyFailure(db, '"web"."tracks"', copyFailed);
  assert.ok(explained instanceof RedshiftLoadError);
  assert.equal(
    explained.message,
    `COPY into "web"."tracks" failed (query 7781): s3://b/load/web/tracks/b1.ndjson.gz line 12, column price (int8), position 0: Invalid digit, Value 'a', Pos 0, Type: Long (code 1207)`,
  );
  assert.equal(explained.permanent, true);
  assert.equal(explained.cause, copyFailed);
  assert.deepEqual(asked, [{ text: LOAD_ERROR_QUERIES.sys, values: [7781] }]);
});

test('without the SYS view (older provisioned clusters) STL_LOAD_ERRORS is read instead', async () => {
  const second = {
    ...rejectedRow,
    line: 40,
    column_name: 'name',
    column_type: 'varchar',
    reason: 'String length exceeds DDL length',
  };
  const { db, asked } = scripted([[LOAD_ERROR_QUERIES.stl, () => [rejectedRow, second]]]);
  const explained = await explainCopyFailure(db, '"web"."tracks"', copyFailed);
  assert.ok(explained instanceof RedshiftLoadError);
  assert.match(explained.message, /line 12, column price .*\(and 1 more rejected rows\)$/);
  assert.deepEqual(
    explained.details.map((d) => [d.line, d.column]),
    [
      [12, 'price'],
      [40, 'name'],
    ],
  );
  assert.deepEqual(
    asked.map((a) => a.text),
    [LOAD_ERROR_QUERIES.sys, LOAD_ERROR_QUERIES.stl],
  );
});

test("without a query id in the error, COPY's own message is reported and no view is read", async () => {
  const { db, asked } = scripted([]);
  const explained = await explainCopyFailure(db, '"web"."t"', dbError('Load into table failed', 'XX000'));
  assert.ok(explained instanceof RedshiftLoadError);
  assert.equal(explained.queryId, undefined);
  assert.equal(explained.message, 'COPY into "web"."t" failed: Load into table failed');
  assert.equal(asked.length, 0);
});

test('rejected rows are permanent (dead-letter), error 1023 and setup failures are retried', () => {
  const rejected = new RedshiftLoadError(
    '"web"."t"',
    1,
    [
      {
        file: 'f',
        line: 1,
        column: 'c',
        columnType: 'int8',
        position: 0,
        code: 1207,
        reason: 'Invalid digit',
      },
    ],
    copyFailed,
  );
  const denied = new RedshiftLoadError(
    '"web"."t"',
    2,
    [],
    dbError('S3ServiceException:Access Denied', 'XX000'),
  );
  assert.equal(isPermanentRedshiftError(rejected), true);
  assert.equal(isPermanentRedshiftError(denied), false);
  assert.equal(
    isPermanentRedshiftError(dbError('1023', 'XX000', 'Serializable isolation violation on table - 9')),
    false,
  );
  assert.equal(
    isPermanentRedshiftError(dbError('value too long for type character varying(256)', '22001')),
    true,
  );
  assert.equal(isPermanentRedshiftError(new InvalidIdentifierError('too long')), true);
  assert.equal(isPermanentRedshiftError(Object.assign(new Error('socket'), { code: 'ECONNRESET' })), false);
});

test('a COPY failure without rejected rows (S3 access denied) keeps the server message and is not permanent', async () => {
  const denied = dbError('S3ServiceException:Access Denied,Status 403', 'XX000', 'query: 5');
  const { db } = scripted([
    [LOAD_ERROR_QUERIES.sys, () => []],
    [LOAD_ERROR_QUERIES.stl, () => []],
  ]);
  const explained = await explainCopyFailure(db, '"web"."t"', denied);
  assert.ok(explained instanceof RedshiftLoadError);
  assert.equal(explained.permanent, false);
  assert.equal(
    explained.message,
    'COPY into "web"."t" failed (query 5): S3ServiceException:Access Denied,Status 403',
  );
});

test('a serialization conflict and client-side errors pass through unchanged, without querying', async () => {
  const { db, asked } = scripted([]);
  const conflict = dbError('1023', 'XX000', 'Serializable isolation violation on table - 1');
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  assert.equal(await explainCopyFailure(db, 't', conflict), conflict);
  assert.equal(await explainCopyFailure(db, 't', reset), reset);
  assert.equal(asked.length, 0);
});
