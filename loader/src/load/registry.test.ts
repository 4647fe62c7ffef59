import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type Config } from '@eventpipe/core';
import type { Stager } from '../stage.js';
import { InvalidIdentifierError } from './dialect.js';
import { WAREHOUSES } from './registry.js';

const unusedStager: Stager = {
  ensureBucket: async () => assert.fail('not used'),
  stageRaw: async () => assert.fail('not used'),
  stageRows: async () => assert.fail('not used'),
  put: async () => assert.fail('not used'),
  close: () => {},
};

const config = (kind: Config['warehouse']['kind']): Pick<Config, 'warehouse' | 's3'> => ({
  warehouse: {
    kind,
    // Never connected to: the pool connects on first use.
    url: 'postgres://nobody@127.0.0.1:1/none',
    iamRole: 'arn:aws:iam::123456789012:role/eventpipe',
    metaSchema: '_eventpipe',
    arrays: 'text',
    lockTimeoutMs: 5000,
  },
  s3: { bucket: 'b', prefix: '', region: 'us-east-1', forcePathStyle: false },
});

test('every registered warehouse says, through the contract, which load errors are permanent', async () => {
  for (const [kind, { create, rules }] of Object.entries(WAREHOUSES)) {
    const warehouse = create(config(kind as Config['warehouse']['kind']), {
      log: createLogger('test', 'silent'),
      stager: unusedStager,
    });
    try {
      assert.equal(warehouse.rules.name, rules.name, kind);
      assert.equal(warehouse.isPermanentError(new InvalidIdentifierError('too long')), true, kind);
      assert.equal(
        warehouse.isPermanentError(Object.assign(new Error('bad'), { code: '22P02' })),
        true,
        kind,
      );
      assert.equal(
        warehouse.isPermanentError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
        false,
        kind,
      );
    } finally {
      await warehouse.close();
    }
  }
});
