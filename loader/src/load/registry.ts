/**
 * THE registration of the warehouses: `warehouse.kind` → its rules and its constructor. A warehouse
 * is one folder under `load/` plus its line here (see docs/warehouses/adding.md).
 */
import type { Config } from '@eventpipe/core';
import { postgresRules, redshiftRules } from '../schema/index.js';
import type { DialectRules } from '../transform/types.js';
import { createPostgresWarehouse } from './postgres/index.js';
import { createRedshiftWarehouse } from './redshift/index.js';
import type { CreateWarehouse } from './warehouse.js';

export interface WarehouseKind {
  /** Identifier and type limits, known before anything connects (start-up checks sources against them). */
  rules: DialectRules;
  create: CreateWarehouse;
}

export const WAREHOUSES: Record<Config['warehouse']['kind'], WarehouseKind> = {
  postgres: { rules: postgresRules, create: createPostgresWarehouse },
  redshift: { rules: redshiftRules, create: createRedshiftWarehouse },
};
