/**
 * `@eventpipe/loader`: what other workspaces use (the CLI starts the loader and runs replays) and
 * what custom enrichments are written against (docs/enrichments.md). Everything else is internal
 * (`@eventpipe/loader/internal`, for this repository's tests and benchmarks).
 */
export { startLoader, type RunningLoader, type LoaderOptions } from './loader.js';
export type { Checkpoint } from './pipeline/runner.js';
export { runReplay, type ReplayHooks } from './replay/run.js';
export type { ReplaySummary, ReplayRequest, ReplayProgress } from './replay/replay.js';
export type { LoadMode } from './load/warehouse.js';
export type * from './enrich/types.js';
export { createEnricher, DEFAULT_ENRICHMENTS, type Enricher, type EnricherOptions } from './enrich/runner.js';
export * from './dead-letters/index.js';

// For the console (console/), which reads what the loader wrote: where a source's rows are, how an
// event becomes its row's table.
export { eventTableName, schemaName } from './transform/names.js';
export { REJECTED_COLUMN } from './transform/columns.js';
export { postgresRules, redshiftRules } from './schema/index.js';
export { quoteIdent } from './load/postgres/sql.js';
