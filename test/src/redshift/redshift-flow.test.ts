/**
 * The Redshift dialect through the shared load flow, against a real PostgreSQL and a real S3 (s3rver).
 *
 * Redshift cannot be reached from here, so what can run elsewhere does: every statement of the
 * Redshift dialect is sent to PostgreSQL as it is, with three exceptions made explicit below — the
 * storage clauses of its DDL (`ENCODE`, `DISTSTYLE`, `SORTKEY`) are removed, the catalog query names a
 * SUPER column's type `super` as Redshift's does, and the COPY from S3 is emulated by reading the
 * manifest, the JSONPaths file and the gzipped load files the dialect wrote to S3 (which checks those
 * files too). PostgreSQL stands in for Redshift's `SUPER`, `GETDATE()`,
 * `JSON_PARSE`, `JSON_SERIALIZE` and `JSON_EXTRACT_PATH_TEXT` with a domain and four functions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import {
  decodeEnvelope,
  parseJson,
  stringifyJson,
  type Envelope,
  type EventType,
  type SegmentEvent,
} from '@eventpipe/core';
import { compatQueries, normalise, workloadBatches } from '../compat/segment-workload.js';
import { EXPECTED_USER, SCENARIOS, loadEveryWay } from '../load/users-order.js';
import {
  S3RVER_CREDENTIALS,
  startPostgres,
  startS3,
  type PostgresServer,
  type S3Server,
} from '@eventpipe/local';
import { createStager, s3ClientConfig, type LoadBatch, type Warehouse } from '@eventpipe/loader/internal';
import {
  createFlowWarehouse,
  createRedshiftCopy,
  createRedshiftWarehouse,
  explainCopyFailure,
  isPermanentRedshiftError,
  RedshiftLoadError,
  redshiftRules,
  redshiftSql,
  MAX_ENVELOPE_JSON_BYTES,
  withStoredEnvelopes,
  transform,
  createDeadLetterStore,
  fetchFromS3,
  redriveDeadLetters,
  type CopyJob,
  type SqlDialect,
  type Stager,
} from '@eventpipe/loader/internal';
import { testLogger } from '../secrets.js';

const log = testLogger('test');
const BUCKET = 'eventpipe';
const IAM_ROLE = 'arn:aws:iam::123456789012:role/eventpipe-copy';

let postgres: PostgresServer;
let s3server: S3Server;
let s3: S3Client;
let db: pg.Pool;
let warehouse: Warehouse;
let dialect: SqlDialect;
let stager: Stager;
let s3Config: {
  bucket: string;
  prefix: string;
  region: string;
  endpoint: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
};

/** What PostgreSQL lacks of the Redshift SQL the dialect sends (and nothing else). */
const REDSHIFT_SHIMS = [
  'CREATE DOMAIN super AS jsonb',
  `CREATE FUNCTION getdate() RETURNS timestamptz LANGUAGE sql AS 'SELECT clock_timestamp()'`,
  // JSON_PARSE reads a VARCHAR, which holds at most 65,535 bytes.
  `CREATE FUNCTION json_parse(text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN
     IF octet_length($1) > 65535 THEN RAISE EXCEPTION 'value too long for type character varying(65535)' USING ERRCODE = '22001'; END IF;
     RETURN $1::jsonb; END $$`,
  // Redshift's JSON_SERIALIZE gives 'null' for NULL; JSON_EXTRACT_PATH_TEXT gives '' for a missing key.
  `CREATE FUNCTION json_serialize(jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT COALESCE($1::text, 'null') $$`,
  `CREATE FUNCTION json_extract_path_text(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT COALESCE($1::json ->> $2, '') $$`,
];

/** Redshift's storage clauses, which PostgreSQL has no syntax for; the rest of the DDL is sent as is. */
const postgresSpelling = (text: string) =>
  text.replace(/ ENCODE ZSTD/g, '').replace(/ DISTSTYLE AUTO( SORTKEY \("[^"]+"\))?/g, '');

/** Redshift's catalog names a SUPER column's type `super`; PostgreSQL names the domain's base type. */
const redshiftTypeNames = (text: string) =>
  text.replace(
    'SELECT column_name, data_type,',
    "SELECT column_name, CASE WHEN domain_name = 'super' THEN 'super' ELSE data_type END AS data_type,",
  );

async function getObject(key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function getJson<T>(key: string): Promise<T> {
  return JSON.parse((await getObject(key)).toString('utf8')) as T;
}

/**
 * Set by a test to make the next COPY fail the way Redshift's does; `onFailure` records what Redshift
 * would in its load-error views, knowing the COPY's session (the backend pid of its connection).
 */
let failNextCopy: Error | undefined;
let onFailure: ((session: number) => Promise<void>) | undefined;
const copies: CopyJob[] = [];

/**
 * COPY, emulated from what it would read: the manifest's files (every one mandatory), each JSON line
 * mapped to columns by the JSONPaths file, in the order of the COPY's column list.
 */
async function emulateCopy(client: pg.ClientBase, job: CopyJob): Promise<void> {
  copies.push(job);
  if (failNextCopy) {
    const error = failNextCopy;
    failNextCopy = undefined;
    await onFailure?.((client as unknown as { processID: number }).processID);
    onFailure = undefined;
    throw error;
  }
  assert.ok(
    job.statement.startsWith(`COPY "${job.table}" (`) &&
      job.statement.includes(` FROM 's3://${BUCKET}/${job.manifestKey}' IAM_ROLE '${IAM_ROLE}' MANIFEST `) &&
      job.statement.endsWith(
        ` FORMAT AS JSON 's3://${BUCKET}/${job.jsonpathsKey}' GZIP TIMEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF`,
      ),
    job.statement,
  );
  const { jsonpaths } = await getJson<{ jsonpaths: string[] }>(job.jsonpathsKey);
  const columns = jsonpaths.map((path) => /^\$\['([^']+)'\]$/.exec(path)?.[1]);
  assert.deepEqual(columns, job.columns, 'the JSONPaths file lists the COPY columns in order');

  const { entries } = await getJson<{ entries: { url: string; mandatory: boolean }[] }>(job.manifestKey);
  const records: Record<string, unknown>[] = [];
  for (const entry of entries) {
    assert.equal(entry.mandatory, true);
    const key = entry.url.slice(`s3://${BUCKET}/`.length);
    const lines = gunzipSync(await getObject(key))
      .toString('utf8')
      .split('\n')
      .filter(Boolean);
    for (const line of lines) {
      // Lossless, as Redshift reads a JSON number into DECIMAL(38,0): no digit rounded on the way.
      const row = parseJson(line) as Record<string, unknown>;
      records.push(Object.fromEntries(job.columns.map((c) => [c, row[c] ?? null])));
    }
  }
  const names = job.columns.map((c) => `"${c}"`).join(', ');
  await client.query(
    `INSERT INTO "${job.table}" (${names}) SELECT ${names} FROM json_populate_recordset(NULL::"${job.table}", $1::json)`,
    [stringifyJson(records)],
  );
}

before(async () => {
  [postgres, s3server] = await Promise.all([startPostgres(), startS3({ bucket: BUCKET })]);
  s3Config = {
    bucket: BUCKET,
    prefix: 'pipe',
    region: 'us-east-1',
    endpoint: s3server.url,
    forcePathStyle: true,
    ...S3RVER_CREDENTIALS,
  };
  s3 = new S3Client(s3ClientConfig(s3Config));
  db = new pg.Pool({ connectionString: postgres.url, max: 2 });
  for (const shim of REDSHIFT_SHIMS) await db.query(shim);

  stager = createStager(s3Config, log);
  const copy = createRedshiftCopy({
    stager,
    bucket: BUCKET,
    region: s3Config.region,
    credentials: { iamRole: IAM_ROLE },
    errorReader: db,
    runCopy: emulateCopy,
  });
  dialect = {
    ...redshiftSql,
    rules: redshiftRules,
    copy,
    migration: (ref, m) =>
      redshiftSql.migration(ref, m).map((s) => ({ ...s, text: postgresSpelling(s.text) })),
    describeTable: (ref) => {
      const statement = redshiftSql.describeTable(ref);
      return { ...statement, text: redshiftTypeNames(statement.text) };
    },
  };
  const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
  warehouse = withStoredEnvelopes(
    createFlowWarehouse(pool, dialect, {
      metaSchema: '_eventpipe',
      log,
      isPermanentError: isPermanentRedshiftError,
    }),
    stager,
    {
      bucket: BUCKET,
      prefix: s3Config.prefix,
    },
  );
  await warehouse.init();
});

after(async () => {
  await warehouse?.close();
  await db?.end();
  stager?.close();
  s3?.destroy();
  await Promise.all([postgres?.dispose(), s3server?.dispose()]);
});

let sequence = 0;
let clock = Date.parse('2024-05-01T10:00:00.000Z');

/** An envelope as the collector builds it; `receivedAt` advances by one second per call unless given. */
function envelope(type: EventType, event: SegmentEvent, receivedAt?: string): Envelope {
  clock += 1000;
  const at = receivedAt ?? new Date(clock).toISOString();
  const messageId = event.messageId ?? `m-${++sequence}`;
  return {
    v: 1,
    sourceId: 'web',
    type,
    messageId,
    receivedAt: at,
    sentAt: at,
    event: { type, messageId, timestamp: at, ...event },
  };
}

function batchOf(batchId: string, envelopes: Envelope[]): LoadBatch {
  const sources = transform(
    envelopes.map((e) => ({ envelope: e })),
    redshiftRules,
  );
  return { batchId, firstSequence: 1, lastSequence: envelopes.length, sources };
}

async function rows(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await db.query(sql, values)).rows;
}

async function varcharSize(table: string, column: string): Promise<number | null> {
  const [row] = await rows(
    `SELECT character_maximum_length AS n FROM information_schema.columns WHERE table_schema = 'web' AND table_name = $1 AND column_name = $2`,
    [table, column],
  );
  return row ? (row.n as number | null) : null;
}

/**
 * An envelope exactly as it travels through JetStream: JSON text with the client's number literals
 * spliced in, decoded the way the loader decodes it.
 */
function decoded(sourceId: string, event: string, propertiesJson: string, extra = ''): Envelope {
  const id = `d-${++sequence}`;
  clock += 1000;
  const at = new Date(clock).toISOString();
  const text =
    `{"v":1,"sourceId":"${sourceId}","type":"track","messageId":"${id}","receivedAt":"${at}",` +
    `"event":{"type":"track","messageId":"${id}","event":"${event}"${extra},"properties":${propertiesJson}}}`;
  const result = decodeEnvelope(Buffer.from(text));
  assert.ok(result.ok, text);
  return result.envelope;
}

describe('values and types in the Redshift dialect', () => {
  test('integers past int64 load exactly into DECIMAL(38,0); what fits no type goes to _rejected, counted', async () => {
    const events = [
      decoded(
        'rnum',
        'Paid',
        '{"account":1234567890123456789,"big":18446744073709551616,"ratio":0.5}',
        ',"userId":9007199254740993',
      ),
      decoded('rnum', 'Paid', '{"big":1e400,"ratio":0.1000000000000000000001,"account":"n/a"}'),
    ];
    const result = await warehouse.load(batchOf('rnum-1', events));
    const create = result.migrations.find((m) => m.startsWith('CREATE TABLE IF NOT EXISTS "rnum"."paid"'));
    assert.ok(create?.includes('"account" BIGINT, "big" DECIMAL(38,0), "ratio" DOUBLE PRECISION'), create);
    assert.deepEqual(result.rejectedByTable, { 'rnum.paid': 3 });
    const stored = await rows(
      `SELECT account::text, big::text, ratio, user_id, _rejected->>'big' AS rb, _rejected->>'ratio' AS rr,` +
        ` _rejected->>'account' AS ra FROM rnum.paid ORDER BY received_at`,
    );
    const none = { rb: null, rr: null, ra: null };
    assert.deepEqual(stored, [
      {
        account: '1234567890123456789',
        big: '18446744073709551616',
        ratio: 0.5,
        user_id: '9007199254740993',
        ...none,
      },
      {
        account: null,
        big: null,
        ratio: null,
        user_id: null,
        rb: '1e400',
        rr: '0.1000000000000000000001',
        ra: 'n/a',
      },
    ]);
    // The rejected values are the client's digits; those SUPER holds no number for are kept as strings.
    const file = gunzipSync(await getObject('pipe/load/rnum/paid/rnum-1.ndjson.gz')).toString('utf8');
    assert.ok(
      file.includes('"_rejected":{"big":"1e400","ratio":"0.1000000000000000000001","account":"n/a"}'),
      file,
    );
    assert.ok(file.includes('"big":18446744073709551616'), file);
  });

  test('lone surrogates load as U+FFFD in VARCHAR and SUPER columns; the event is never refused', async () => {
    const half = '\\ud83d';
    await warehouse.load(
      batchOf('rsur-1', [
        decoded('rsur', 'Typed', `{"title":"cut ${half}","n":1}`),
        decoded('rsur', 'Typed', `{"n":"x${half}"}`),
      ]),
    );
    const stored = await rows('SELECT title, n, _rejected FROM rsur.typed ORDER BY received_at');
    assert.deepEqual(stored, [
      { title: 'cut \uFFFD', n: '1', _rejected: null },
      { title: null, n: null, _rejected: { n: 'x\uFFFD' } },
    ]);
  });

  test('timestamps are written to the load file in UTC with microseconds', async () => {
    await warehouse.load(
      batchOf('rts-1', [
        decoded(
          'rts',
          'Booked',
          '{"at":"2024-05-01T12:34:56.123456+0530","nanos":"2024-05-01T12:34:56.123456789Z"}',
        ),
      ]),
    );
    const file = gunzipSync(await getObject('pipe/load/rts/booked/rts-1.ndjson.gz')).toString('utf8');
    const row = JSON.parse(file) as Record<string, unknown>;
    assert.equal(row.at, '2024-05-01T07:04:56.123456Z');
    assert.equal(row.nanos, '2024-05-01T12:34:56.123456789Z', 'not exact as a timestamp: kept as text');
    assert.match(String(row.received_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  test('hand-made columns map exactly: INTEGER keeps its range, CHAR is refused by name, not widened', async () => {
    await warehouse.load(batchOf('rhand-0', [decoded('rhand', 'Made', '{"seed":1}')]));
    await db.query('ALTER TABLE rhand.made ADD COLUMN small integer');
    await db.query('ALTER TABLE rhand.made ADD COLUMN code character(3)');
    const result = await warehouse.load(
      batchOf('rhand-1', [
        decoded('rhand', 'Made', '{"small":7}'),
        decoded('rhand', 'Made', '{"small":3000000000}'),
      ]),
    );
    assert.deepEqual(result.rejectedByTable, { 'rhand.made': 1 });
    const stored = await rows(
      'SELECT small, _rejected FROM rhand.made WHERE seed IS NULL ORDER BY received_at',
    );
    assert.deepEqual(stored, [
      { small: 7, _rejected: null },
      { small: null, _rejected: { small: 3000000000 } },
    ]);
    await assert.rejects(
      warehouse.load(batchOf('rhand-2', [decoded('rhand', 'Made', '{"code":"abcd"}')])),
      /column "made"\."code" has type character/,
    );
  });
});

describe('the Redshift dialect through the shared load flow', () => {
  const first = [
    envelope('track', {
      messageId: 'o-1',
      event: 'Order Completed',
      userId: 'u1',
      properties: { total: 30, select: 'reserved', products: [{ sku: 'a', qty: 2 }] },
    }),
    envelope('identify', { userId: 'u1', traits: { email: 'u1@example.com', plan: 'free' } }),
  ];
  const batch1 = batchOf('b-0001', first);

  test('a new table: VARCHARs sized in bytes, arrays as JSON text, the load recorded', async () => {
    const result = await warehouse.load(batch1);
    assert.equal(result.alreadyLoaded, false);
    assert.deepEqual(result.rowsByTable, {
      'web.identifies': 1,
      'web.order_completed': 1,
      'web.tracks': 1,
      'web.users': 1,
    });
    assert.ok(
      result.migrations.some((m) => m.startsWith('CREATE TABLE IF NOT EXISTS "web"."order_completed" (')),
    );

    const [order] = await rows('SELECT id, total, _select, products, uuid_ts FROM web.order_completed');
    assert.equal(order?.products, '[{"sku":"a","qty":2}]', 'JSON text, as Segment stores arrays');
    assert.equal(order?._select, 'reserved');
    assert.equal(order?.total, '30'); // an integer property is a BIGINT (pg returns those as strings)
    assert.ok(order?.uuid_ts instanceof Date, 'uuid_ts set by the table default');
    assert.equal(await varcharSize('order_completed', 'id'), 256);

    const [load] = await rows(
      `SELECT sources, rows_by_table FROM _eventpipe.loads WHERE batch_id = 'b-0001'`,
    );
    assert.deepEqual(load?.sources, ['web']);
    assert.equal((load?.rows_by_table as Record<string, number>)['web.users'], 1);
    const journal = await rows(
      `SELECT statement FROM _eventpipe.migrations WHERE table_name = 'order_completed'`,
    );
    assert.equal(journal.length, 1);
  });

  test('COPY read a manifest and a JSONPaths file written beside the load file', async () => {
    const base = 'pipe/load/web/order_completed/b-0001';
    const manifest = await getJson<{ entries: { url: string; mandatory: boolean }[] }>(`${base}.manifest`);
    assert.deepEqual(manifest.entries, [{ url: `s3://${BUCKET}/${base}.ndjson.gz`, mandatory: true }]);
    const { jsonpaths } = await getJson<{ jsonpaths: string[] }>(`${base}.jsonpaths`);
    assert.ok(jsonpaths.includes("$['_select']") && jsonpaths.includes("$['products']"));
    assert.ok(!jsonpaths.includes("$['uuid_ts']"), 'uuid_ts is set by Redshift, not loaded');
  });

  test('the same batch again is a no-op; redelivered and in-batch duplicate ids are skipped', async () => {
    assert.equal((await warehouse.load(batch1)).alreadyLoaded, true);
    const again = envelope('track', {
      messageId: 'o-2',
      event: 'Order Completed',
      userId: 'u2',
      properties: { total: 5 },
    });
    const result = await warehouse.load(batchOf('b-0002', [first[0]!, again, again]));
    assert.equal(result.rowsByTable['web.order_completed'], 1);
    const ids = await rows('SELECT id FROM web.order_completed ORDER BY id');
    assert.deepEqual(
      ids.map((r) => r.id),
      ['o-1', 'o-2'],
    );
  });

  test('a new column is added, a longer text widens its VARCHAR outside the transaction', async () => {
    const long = 'ß'.repeat(200); // 400 bytes: more than the VARCHAR(256) of `_select`
    const result = await warehouse.load(
      batchOf('b-0003', [
        envelope('track', {
          event: 'Order Completed',
          userId: 'u3',
          properties: { total: 7, select: long, coupon: 'SPRING' },
        }),
      ]),
    );
    assert.deepEqual(result.migrations, [
      'ALTER TABLE "web"."order_completed" ALTER COLUMN "_select" TYPE VARCHAR(512)',
      'ALTER TABLE "web"."order_completed" ADD COLUMN "coupon" VARCHAR(256)',
    ]);
    assert.equal(await varcharSize('order_completed', '_select'), 512);
    const [row] = await rows(`SELECT _select, coupon FROM web.order_completed WHERE user_id = 'u3'`);
    assert.deepEqual(row, { _select: long, coupon: 'SPRING' });
  });

  test('a value Redshift cannot store in its column is kept in _rejected, in the load file and the table', async () => {
    await warehouse.load(
      batchOf('b-0004', [
        envelope('track', {
          messageId: 'o-5',
          event: 'Order Completed',
          userId: 'u5',
          properties: { total: 'lots' },
        }),
      ]),
    );
    const [row] = await rows(`SELECT total, _rejected FROM web.order_completed WHERE id = 'o-5'`);
    assert.deepEqual(row, { total: null, _rejected: { total: 'lots' } });
    const file = gunzipSync(await getObject('pipe/load/web/order_completed/b-0004.ndjson.gz')).toString(
      'utf8',
    );
    assert.deepEqual((JSON.parse(file.trim()) as Record<string, unknown>)._rejected, { total: 'lots' });
  });

  test('users: the newest traits win, an older identify changes nothing, absent traits are kept', async () => {
    const newer = envelope('identify', { userId: 'u1', traits: { plan: 'pro' } });
    const result = await warehouse.load(batchOf('b-0005', [newer]));
    assert.equal(result.rowsByTable['web.users'], 1);
    const older = envelope(
      'identify',
      { userId: 'u1', traits: { plan: 'trial' } },
      '2024-04-01T00:00:00.000Z',
    );
    assert.equal((await warehouse.load(batchOf('b-0006', [older]))).rowsByTable['web.users'], 0);
    const [user] = await rows(`SELECT email, plan, received_at FROM web.users WHERE id = 'u1'`);
    assert.deepEqual(user, { email: 'u1@example.com', plan: 'pro', received_at: new Date(newer.receivedAt) });
  });

  test('users: the same identifies in any batching and commit order give the same row, latest per trait', async () => {
    const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
    const second = withStoredEnvelopes(
      createFlowWarehouse(pool, dialect, {
        metaSchema: '_eventpipe',
        log,
        isPermanentError: isPermanentRedshiftError,
      }),
      stager,
      { bucket: BUCKET, prefix: s3Config.prefix },
    );
    try {
      await loadEveryWay(batchOf, [warehouse, second]);
    } finally {
      await second.close();
    }
    const user = (schema: string) =>
      rows(`SELECT id, email, plan, name, company, received_at, _trait_versions FROM "${schema}".users`);
    const [reference] = await user(SCENARIOS[0]);
    const { _trait_versions: versions, ...values } = reference ?? {};
    assert.deepEqual(values, EXPECTED_USER);
    assert.deepEqual(Object.keys(versions as object).sort(), ['company', 'email', 'name', 'plan']);
    for (const schema of SCENARIOS) assert.deepEqual(await user(schema), [reference], schema);
  });

  test("a COPY Redshift rejects fails with its own file's errors (never another COPY's with the same query id)", async () => {
    await db.query(
      'CREATE TABLE public.sys_load_error_detail (query_id bigint, session_id integer, start_time timestamp, file_name char(256),' +
        ' line_number bigint, column_name char(127), column_type char(10), position integer, error_code integer, error_message char(512))',
    );
    try {
      const file = `s3://${BUCKET}/pipe/load/web/order_completed/b-0007.ndjson.gz`;
      // Another COPY whose SYS query_id equals this COPY's STL id (4242): a different id family.
      await db.query(
        `INSERT INTO public.sys_load_error_detail VALUES (4242, 1, now() at time zone 'utc', 's3://${BUCKET}/other.ndjson.gz', 9,` +
          ` 'email', 'varchar', 0, 1204, 'String length exceeds DDL length')`,
      );
      failNextCopy = Object.assign(new Error("Load into table 'eventpipe_staging_1_raw' failed."), {
        code: 'XX000',
        detail: 'error:  Invalid digit\n  code:      1207\n  query:     4242\n',
      });
      onFailure = async (session) => {
        await db.query(
          `INSERT INTO public.sys_load_error_detail VALUES (987654, $1, now() at time zone 'utc', $2, 1,` +
            ` 'total', 'float8', 0, 1207, 'Invalid digit, Value ''x'', Pos 0, Type: Double')`,
          [session, file],
        );
      };
      const bad = envelope('track', { event: 'Order Completed', userId: 'u7', properties: { total: 1 } });
      await assert.rejects(warehouse.load(batchOf('b-0007', [bad])), (error: unknown) => {
        assert.ok(error instanceof RedshiftLoadError);
        assert.equal(
          error.message,
          `COPY into "web"."order_completed" failed (query 4242): ${file}` +
            ` line 1, column total (float8), position 0: Invalid digit, Value 'x', Pos 0, Type: Double (code 1207)`,
        );
        assert.equal(error.details.length, 1);
        assert.equal(isPermanentRedshiftError(error), true);
        return true;
      });
      assert.deepEqual(await rows(`SELECT 1 FROM _eventpipe.loads WHERE batch_id = 'b-0007'`), []);
      assert.deepEqual(await rows(`SELECT 1 FROM web.tracks WHERE user_id = 'u7'`), []);

      // A COPY that fails without rows of its own (S3 access denied) is a setup error, retried:
      // the other COPY's rows under the same query id do not make it permanent.
      failNextCopy = Object.assign(new Error('S3ServiceException:Access Denied,Status 403'), {
        code: 'XX000',
        detail: 'query: 4242',
      });
      const fine = envelope('track', { event: 'Order Completed', userId: 'u8', properties: { total: 2 } });
      await assert.rejects(warehouse.load(batchOf('b-0008', [fine])), (error: unknown) => {
        assert.ok(error instanceof RedshiftLoadError);
        assert.equal(isPermanentRedshiftError(error), false);
        return true;
      });
    } finally {
      await db.query('DROP TABLE IF EXISTS public.sys_load_error_detail');
    }
  });

  test('without SYS_LOAD_ERROR_DETAIL the STL_LOAD_ERRORS table is read, by file, session and start time', async () => {
    await db.query(
      'CREATE TABLE public.stl_load_errors (query integer, session integer, filename char(256), line_number bigint, colname char(127),' +
        ' type char(10), position integer, err_code integer, err_reason char(100), starttime timestamp)',
    );
    try {
      await db.query(
        `INSERT INTO public.stl_load_errors VALUES (77, 31, 's3://b/f.ndjson.gz', 3, 'email', 'varchar', 0, 1204,` +
          ` 'String length exceeds DDL length', now() at time zone 'utc')`,
      );
      const cause = Object.assign(new Error('Load failed'), { code: 'XX000', detail: 'query: 77' });
      const attempt = { file: 's3://b/f.ndjson.gz', session: 31, startedAt: new Date() };
      const explained = await explainCopyFailure(db, '"web"."users"', cause, attempt);
      assert.ok(explained instanceof RedshiftLoadError);
      assert.equal(
        explained.message,
        'COPY into "web"."users" failed (query 77): s3://b/f.ndjson.gz line 3, column email (varchar), position 0: String length exceeds DDL length (code 1204)',
      );
      const otherSession = await explainCopyFailure(db, '"web"."users"', cause, { ...attempt, session: 32 });
      assert.ok(otherSession instanceof RedshiftLoadError && !otherSession.permanent);
      const hourLater = { ...attempt, startedAt: new Date(Date.now() + 3_600_000) };
      const stale = await explainCopyFailure(db, '"web"."users"', cause, hourLater);
      assert.ok(
        stale instanceof RedshiftLoadError && !stale.permanent,
        'errors from before the COPY are not its own',
      );
    } finally {
      await db.query('DROP TABLE IF EXISTS public.stl_load_errors');
    }
  });

  test('Segment models run unchanged on the Redshift dialect (the PostgreSQL suite runs the same queries)', async () => {
    for (const batch of workloadBatches(redshiftRules, 5, 'rs_')) await warehouse.load(batch);
    for (const query of compatQueries('rs_')) {
      const found = await rows(query.sql);
      assert.deepEqual(normalise(found, query.expected), query.expected, query.name);
    }
  });

  test('a dead letter too large for a VARCHAR (65,535 bytes) is stored in S3 and referenced from its row', async () => {
    const envelope = { v: 1, messageId: 'huge-1', event: { properties: { blob: 'é'.repeat(40_000) } } };
    const json = JSON.stringify(envelope);
    assert.ok(Buffer.byteLength(json) > MAX_ENVELOPE_JSON_BYTES);
    const entry = {
      sourceId: 'web',
      origin: 'EVENTS-20261126T120000000000000Z',
      messageId: 'huge-1',
      streamSequence: 4711,
      reason: 'too big',
      envelope,
    };
    await warehouse.deadLetter([
      entry,
      { ...entry, messageId: 'small-1', streamSequence: 4712, envelope: { v: 1 } },
    ]);
    const letters = await rows(
      `SELECT message_id, envelope FROM _eventpipe.dead_letters WHERE message_id IN ('huge-1', 'small-1') ORDER BY message_id`,
    );
    assert.deepEqual(letters, [
      {
        message_id: 'huge-1',
        envelope: {
          stored_at: `s3://${BUCKET}/pipe/dead-letters/web/EVENTS-20261126T120000000000000Z/4711.json`,
          bytes: Buffer.byteLength(json),
          sha256: createHash('sha256').update(json).digest('hex'),
        },
      },
      { message_id: 'small-1', envelope: { v: 1 } },
    ]);
    assert.equal(
      (await getObject('pipe/dead-letters/web/EVENTS-20261126T120000000000000Z/4711.json')).toString('utf8'),
      json,
    );
  });

  test('dead letters: every failure is a row carrying the attempt count and the first failure', async () => {
    const entry = {
      sourceId: 'web',
      messageId: 'bad-1',
      origin: 'EVENTS-1',
      streamSequence: 9,
      reason: 'COPY failed',
      envelope: { v: 1, x: [1] },
    };
    await warehouse.deadLetter([entry]);
    await warehouse.deadLetter([{ ...entry, reason: 'COPY failed again' }]);
    // Another message reusing the id (another sequence) is a dead letter of its own.
    await warehouse.deadLetter([{ ...entry, streamSequence: 10, reason: 'another message' }]);
    const letters = await rows(
      `SELECT reason, attempts, first_failed_at, envelope FROM _eventpipe.dead_letters WHERE message_id = 'bad-1' ORDER BY stream_sequence, attempts`,
    );
    assert.deepEqual(
      letters.map((l) => [l.reason, l.attempts, l.envelope]),
      [
        ['COPY failed', 1, { v: 1, x: [1] }],
        ['COPY failed again', 2, { v: 1, x: [1] }],
        ['another message', 1, { v: 1, x: [1] }],
      ],
    );
    assert.deepEqual(letters[1]?.first_failed_at, letters[0]?.first_failed_at);
  });

  test('dead-letter administration on the Redshift SQL: list the latest state, redrive a large one from S3', async () => {
    const store = createDeadLetterStore(db, 'redshift', '_eventpipe');
    const small = {
      sourceId: 'ops',
      messageId: 'ops-1',
      origin: 'EVENTS-2',
      streamSequence: 1,
      reason: 'load: COPY failed',
      envelope: {
        v: 1,
        sourceId: 'ops',
        type: 'track',
        messageId: 'ops-1',
        receivedAt: '2024-05-01T10:00:00.000Z',
        event: { event: 'A' },
      },
    };
    const huge = {
      ...small,
      messageId: 'ops-2',
      streamSequence: 2,
      envelope: { ...small.envelope, messageId: 'ops-2', event: { event: 'B', blob: 'é'.repeat(40_000) } },
    };
    await warehouse.deadLetter([small, huge]);
    await warehouse.deadLetter([{ ...small, reason: 'load: COPY failed again' }]);

    const listed = await store.list({ sourceId: 'ops' });
    assert.deepEqual(
      listed.map((e) => [e.messageId, e.attempts, e.reason, e.redriven]),
      [
        ['ops-2', 1, 'load: COPY failed', undefined],
        ['ops-1', 2, 'load: COPY failed again', undefined],
      ],
    );
    assert.deepEqual(
      (await store.list({ sourceId: 'ops', reason: 'AGAIN' })).map((e) => e.messageId),
      ['ops-1'],
    );

    const published: { subject: string; payload: string }[] = [];
    const result = await redriveDeadLetters(
      { all: true, sourceId: 'ops' },
      {
        store,
        fetchStored: fetchFromS3(() => s3),
        subjectPrefix: 'events',
        publish: async (subject, payload) => {
          published.push({ subject, payload });
          return { stream: 'EVENTS', seq: 100 + published.length, duplicate: false };
        },
      },
    );
    assert.equal(result.redriven, 2);
    assert.deepEqual(
      published.map((p) => [p.subject, JSON.parse(p.payload)]),
      [
        ['events.ops.track', huge.envelope],
        ['events.ops.track', small.envelope],
      ],
    );
    // The large one is republished byte for byte as it was dead-lettered, from its S3 object.
    assert.equal(published[0]!.payload, JSON.stringify(huge.envelope));
    assert.deepEqual(await store.list({ sourceId: 'ops' }), []);
    assert.deepEqual(
      (await store.list({ sourceId: 'ops', includeRedriven: true })).map((e) => e.redriven?.sequence),
      [101, 102],
    );
    // Failing again after its redrive makes it pending again.
    await warehouse.deadLetter([{ ...small, reason: 'load: COPY failed a third time' }]);
    assert.deepEqual(
      (await store.list({ sourceId: 'ops' })).map((e) => [e.messageId, e.attempts]),
      [['ops-1', 3]],
    );
  });
});

describe('two loaders at once (PostgreSQL runs them at READ COMMITTED, weaker than SERIALIZABLE)', () => {
  test('the same batch loaded by two loaders concurrently: loaded once, the other finds it loaded', async () => {
    const other = createFlowWarehouse(new pg.Pool({ connectionString: postgres.url, max: 4 }), dialect, {
      metaSchema: '_eventpipe',
      log,
      isPermanentError: isPermanentRedshiftError,
    });
    try {
      for (let round = 1; round <= 3; round++) {
        const events = Array.from({ length: 20 }, (_, i) =>
          envelope('track', { messageId: `race-${round}-${i}`, event: 'Order Completed', userId: 'u1' }),
        );
        const batch = batchOf(`race-${round}`, events);
        const results = await Promise.all([warehouse.load(batch), other.load(batch)]);
        assert.deepEqual(results.map((r) => r.alreadyLoaded).sort(), [false, true], `round ${round}`);
        const [counts] = await rows(
          `SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM web.tracks WHERE id LIKE $1`,
          [`race-${round}-%`],
        );
        assert.deepEqual(counts, { rows: 20, ids: 20 });
        const loads = await rows(`SELECT 1 FROM _eventpipe.loads WHERE batch_id = $1`, [`race-${round}`]);
        assert.equal(loads.length, 1);
      }
    } finally {
      await other.close();
    }
  });
});

describe('createRedshiftWarehouse', () => {
  test('connects with TLS by default: a server without TLS is refused', async () => {
    const config = {
      warehouse: {
        kind: 'redshift' as const,
        url: postgres.url,
        iamRole: IAM_ROLE,
        metaSchema: '_eventpipe',
        arrays: 'text' as const,
        lockTimeoutMs: 5000,
      },
      s3: s3Config,
    };
    const redshift = createRedshiftWarehouse(config, { log, stager });
    try {
      await assert.rejects(redshift.init(), /does not support SSL/);
    } finally {
      await redshift.close();
    }
  });

  test('without an IAM role or access keys it refuses to start, naming the setting', () => {
    const config = {
      warehouse: {
        kind: 'redshift' as const,
        url: postgres.url,
        metaSchema: '_eventpipe',
        arrays: 'text' as const,
        lockTimeoutMs: 5000,
      },
      s3: { ...s3Config, accessKeyId: undefined, secretAccessKey: undefined },
    };
    assert.throws(
      () => createRedshiftWarehouse(config, { log, stager }),
      /EVENTPIPE_WAREHOUSE_IAM_ROLE is required/,
    );
  });
});
