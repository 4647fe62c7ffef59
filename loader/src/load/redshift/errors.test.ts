import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyQueryIdFromError,
  explainCopyFailure,
  isPermanentRedshiftError,
  isSerializableIsolationError,
  loadErrorQuery,
  RedshiftLoadError,
  type CopyAttempt,
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

test('the COPY query id is read from the DETAIL block of the error (reported, never looked up)', () => {
  assert.equal(copyQueryIdFromError(copyFailed), 7781);
  assert.equal(copyQueryIdFromError(dbError('no id here', 'XX000')), undefined);
});

const FILE = 's3://b/load/web/tracks/b1.ndjson.gz';
const attempt: CopyAttempt = {
  file: FILE,
  session: 1073815622,
  startedAt: new Date('2024-05-01T12:00:00.000Z'),
};
const SYS = loadErrorQuery('sys', true);
const STL = loadErrorQuery('stl', true);
const VALUES = [FILE, '2024-05-01T11:55:00.000Z', 1073815622];

test('golden SQL: the load errors of a COPY are found by its load file, session and start time', () => {
  assert.equal(
    SYS,
    'SELECT trim(file_name) AS file, line_number AS line, trim(column_name) AS column_name, trim(column_type) AS column_type,' +
      ' position AS pos, error_code AS code, trim(error_message) AS reason FROM sys_load_error_detail' +
      ' WHERE trim(file_name) = $1 AND start_time >= $2 AND session_id = $3 ORDER BY start_time DESC, line_number LIMIT 10',
  );
  assert.equal(
    STL,
    'SELECT trim(filename) AS file, line_number AS line, trim(colname) AS column_name, trim(type) AS column_type,' +
      ' position AS pos, err_code AS code, trim(err_reason) AS reason FROM stl_load_errors' +
      ' WHERE trim(filename) = $1 AND starttime >= $2 AND session = $3 ORDER BY starttime DESC, line_number LIMIT 10',
  );
  assert.equal(
    loadErrorQuery('sys', false),
    SYS.replace(' AND session_id = $3', ''),
    'without a known session: file and start time',
  );
  for (const query of [SYS, STL])
    assert.doesNotMatch(query, /query|raw_/, 'no id of another family, no user data');
});

test('a failed COPY is reported with file, line, column and reason from SYS_LOAD_ERROR_DETAIL', async () => {
  const { db, asked } = scripted([[SYS, () => [rejectedRow]]]);
  const explained = await explainCopyFailure(db, '"web"."tracks"', copyFailed, attempt);
  assert.ok(explained instanceof RedshiftLoadError);
  assert.equal(
    explained.message,
    `COPY into "web"."tracks" failed (query 7781): s3://b/load/web/tracks/b1.ndjson.gz line 12, column price (int8), position 0: Invalid digit, Value 'a', Pos 0, Type: Long (code 1207)`,
  );
  assert.equal(explained.permanent, true);
  assert.equal(explained.cause, copyFailed);
  assert.deepEqual(asked, [{ text: SYS, values: VALUES }]);
});

test('a load file URL longer than the views keep (256 characters) is matched cut; no session: file and time', async () => {
  const long = `s3://b/${'x'.repeat(300)}.ndjson.gz`;
  const { db, asked } = scripted([[loadErrorQuery('sys', false), () => [rejectedRow]]]);
  await explainCopyFailure(db, 't', copyFailed, { file: long, startedAt: attempt.startedAt });
  assert.deepEqual(asked[0]!.values, [long.slice(0, 256), '2024-05-01T11:55:00.000Z']);
});

test('Serverless (SYS views only): rejected rows found there are permanent, none there is a retry', async () => {
  const found = scripted([[SYS, () => [rejectedRow]]]); // the STL query fails: no such relation
  const rejected = await explainCopyFailure(found.db, 't', copyFailed, attempt);
  assert.ok(rejected instanceof RedshiftLoadError && rejected.permanent);
  const none = scripted([[SYS, () => []]]);
  const setup = await explainCopyFailure(none.db, 't', copyFailed, attempt);
  assert.ok(setup instanceof RedshiftLoadError);
  assert.equal(setup.permanent, false);
  assert.deepEqual(
    none.asked.map((a) => a.text),
    [SYS, STL],
  );
});

test('without the SYS view (older provisioned clusters) STL_LOAD_ERRORS is read instead', async () => {
  const second = {
    ...rejectedRow,
    line: 40,
    column_name: 'name',
    column_type: 'varchar',
    reason: 'String length exceeds DDL length',
  };
  const { db, asked } = scripted([[STL, () => [rejectedRow, second]]]);
  const explained = await explainCopyFailure(db, '"web"."tracks"', copyFailed, attempt);
  assert.ok(explained instanceof RedshiftLoadError);
  assert.match(explained.message, /line 12, column price .*\(and 1 more rejected rows\)$/);
  assert.deepEqual(
    explained.details.map((d) => [d.line, d.column]),
    [
      [12, 'price'],
      [40, 'name'],
    ],
  );
  assert.deepEqual(asked, [
    { text: SYS, values: VALUES },
    { text: STL, values: VALUES },
  ]);
});

test('without a query id in the error the files are still looked up; the message just has no id', async () => {
  const { db } = scripted([[SYS, () => [rejectedRow]]]);
  const explained = await explainCopyFailure(
    db,
    '"web"."t"',
    dbError('Load into table failed', 'XX000'),
    attempt,
  );
  assert.ok(explained instanceof RedshiftLoadError);
  assert.equal(explained.queryId, undefined);
  assert.equal(explained.permanent, true);
  assert.match(explained.message, /^COPY into "web"."t" failed: s3:\/\/b\/load/);
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
    [SYS, () => []],
    [STL, () => []],
  ]);
  const explained = await explainCopyFailure(db, '"web"."t"', denied, attempt);
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
  assert.equal(await explainCopyFailure(db, 't', conflict, attempt), conflict);
  assert.equal(await explainCopyFailure(db, 't', reset, attempt), reset);
  assert.equal(asked.length, 0);
});
