/**
 * The warehouse connection pool, safe against connections that die. `pg` emits `error` on a client
 * whose socket fails or whose backend is terminated (a restart, a failover, `pg_terminate_backend`),
 * and the pool listens only while the client is idle: a connection lost while a load has it checked
 * out (mid-COPY, between two statements) would be an unhandled `error` event, which ends the
 * process. The statement in flight fails on its own and the runner retries the batch, so the event
 * itself only needs logging here.
 */
import pg from 'pg';
import type { Logger } from '@eventpipe/core';

export function createWarehousePool(options: pg.PoolConfig, log: Logger, warehouse: string): pg.Pool {
  const pool = new pg.Pool(options);
  pool.on('error', (error) => log.warn({ err: error }, `idle ${warehouse} connection lost`));
  pool.on('connect', (client) => {
    client.on('error', (error) => log.warn({ err: error }, `${warehouse} connection lost`));
  });
  return pool;
}
