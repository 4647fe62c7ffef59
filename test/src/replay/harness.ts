/**
 * What the replay tests share: `eventpipe replay` run as a user would, against the servers of a
 * running `eventpipe dev`, and readers of the demo schema's tables.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, query, type DevProcess } from '../dev/harness.js';
import { keepProcessOutput } from '../secrets.js';

const run = promisify(execFile);

/** `eventpipe replay --source <dev's source>` over today (the day the test's events were archived). */
export async function replay(dev: DevProcess, args: string[], env: Record<string, string> = {}) {
  const today = new Date().toISOString().slice(0, 10);
  const ran = run(
    process.execPath,
    [CLI, 'replay', '--source', dev.info.sourceId, '--from', today, '--to', today, ...args],
    {
      timeout: 60_000,
      env: {
        ...process.env,
        EVENTPIPE_S3_ENDPOINT: dev.info.s3Url,
        EVENTPIPE_S3_BUCKET: dev.info.bucket,
        EVENTPIPE_S3_FORCE_PATH_STYLE: 'true',
        EVENTPIPE_S3_ACCESS_KEY_ID: 'S3RVER',
        EVENTPIPE_S3_SECRET_ACCESS_KEY: 'S3RVER',
        EVENTPIPE_WAREHOUSE_URL: dev.info.warehouseUrl,
        EVENTPIPE_LOG_LEVEL: 'warn',
        ...env,
      },
    },
  );
  try {
    const result = await ran;
    keepProcessOutput('eventpipe replay', result.stdout + result.stderr);
    return result;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    keepProcessOutput('eventpipe replay', `${e.stdout ?? ''}${e.stderr ?? ''}`);
    throw error;
  }
}

/** Rows per table of the dev's schema. */
export async function counts(dev: DevProcess): Promise<Record<string, number>> {
  const { warehouseUrl, warehouseSchema } = dev.info;
  const tables = await query<{ table_name: string }>(
    warehouseUrl,
    `select table_name from information_schema.tables where table_schema = '${warehouseSchema}' order by 1`,
  );
  const result: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await query<{ n: string }>(
      warehouseUrl,
      `select count(*) as n from "${warehouseSchema}"."${table_name}"`,
    );
    result[table_name] = Number(row!.n);
  }
  return result;
}
