export type * from './transform/types.js';
export type * from './load/warehouse.js';
export type * from './enrich/types.js';
