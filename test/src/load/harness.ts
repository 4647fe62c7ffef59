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
    suite.warehouse = createPostgresWarehouse(
      {
        warehouse: {
          kind: 'postgres',
          url: suite.server.url,
          metaSchema: '_eventpipe',
          arrays: 'text',
          lockTimeoutMs: 5000,
        },
      },
      { log: testLogger('test') },
    );
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
