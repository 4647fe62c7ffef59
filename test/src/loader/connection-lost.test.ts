/**
 * A warehouse connection that dies while a load has it checked out (its backend terminated mid-COPY
 * or between two statements) must fail that load, which the runner retries, and never end the
 * loader: `pg` reports it as an `error` event that nobody listened to, and the loader crashed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '@eventpipe/core';
import { createWarehousePool } from '@eventpipe/loader/internal';
import { startPostgres } from '@eventpipe/local';
import { waitFor } from '../e2e/harness.js';

test('a checked-out connection whose backend is terminated is logged, and the pool goes on', async () => {
  const postgres = await startPostgres();
  const warnings: string[] = [];
  const log = { warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as Logger;
  const pool = createWarehousePool({ connectionString: postgres.url, max: 2 }, log, 'PostgreSQL');
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await waitFor('the lost connection to be reported', async () => warnings.length > 0, 5_000);
    // The backend's FATAL message, and sometimes the socket's end after it: each one is logged.
    assert.deepEqual(new Set(warnings), new Set(['PostgreSQL connection lost']));
    await assert.rejects(client.query('SELECT 1'), 'the dead connection fails its next statement');
    assert.deepEqual((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'a new connection works');
  } finally {
    client.release(true);
    await pool.end();
    await postgres.dispose();
  }
});
