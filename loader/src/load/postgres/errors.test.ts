import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidIdentifierError } from '../dialect.js';
import { isPermanentLoadError } from './errors.js';

const dbError = (code: string) => Object.assign(new Error(`error ${code}`), { code });

test('data errors are permanent: the batch is split to find the poison message', () => {
  for (const code of ['22P02', '22003', '22007', '22021', '23502', '54011', '42804', '42622']) {
    assert.equal(isPermanentLoadError(dbError(code)), true, code);
  }
  assert.equal(isPermanentLoadError(new InvalidIdentifierError('too long')), true);
});

test('connection, concurrency and resource errors are transient: the batch is retried', () => {
  for (const code of [
    '08006',
    '08001',
    '57P01',
    '57P03',
    '40001',
    '40P01',
    '55P03',
    '57014',
    '53300',
    '23505',
  ]) {
    assert.equal(isPermanentLoadError(dbError(code)), false, code);
  }
  assert.equal(
    isPermanentLoadError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    false,
  );
  assert.equal(isPermanentLoadError(new Error('Connection terminated unexpectedly')), false);
  assert.equal(isPermanentLoadError(undefined), false);
});
