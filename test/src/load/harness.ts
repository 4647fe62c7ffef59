/**
 * A real PostgreSQL with an initialised eventpipe warehouse on it, for the load suites, plus a
 * pool for reading the tables back.
 */
import { after, before } from 'node:test';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@eventpipe/local';
import { createPostgresWarehouse, type Warehouse } from '@eventpipe/loader/internal';
import { testLogger } from '../secrets.js';

export interface WarehouseSuite {
  server: PostgresServer;
  warehouse: Warehouse;
  db: pg.Pool;
}

export function usePostgresWarehouse(): WarehouseSuite {
  const suite = {} as WarehouseSuite;
  before(async () => {
    suite.server = await startPostgres();
    suite.warehouse = anotherWarehouse(suite);
    await suite.warehouse.init();
    suite.db = new pg.Pool({ connectionString: suite.server.url, max: 2 });
    // Outage tests kill the server under this pool's idle connections; the next query reconnects.
    suite.db.on('error', () => undefined);
  });
  after(async () => {
    await suite.db?.end();
    await suite.warehouse?.close();
    await suite.server?.dispose();
  });
  return suite;
}

/**
 * A warehouse on the suite's server besides `suite.warehouse`: a second loader, or one that stores
 * JSON values natively (`arrays`). Close it when done.
 */
export function anotherWarehouse(
  suite: Pick<WarehouseSuite, 'server'>,
  arrays: 'text' | 'native' = 'text',
): Warehouse {
  return createPostgresWarehouse(
    {
      warehouse: {
        kind: 'postgres',
        url: suite.server.url,
        metaSchema: '_eventpipe',
        arrays,
        lockTimeoutMs: 5000,
      },
    },
    { log: testLogger('test') },
  );
}
