/** Enrichment plug-ins: the runner the loader calls, the contract, the built-ins. */
export type * from './types.js';
export {
  createEnricher,
  DEFAULT_ENRICHMENTS,
  ENRICHMENT_ERRORS_METRIC,
  EnrichmentConfigError,
  type Enricher,
  type EnricherOptions,
} from './runner.js';
export { BUILTIN_ENRICHMENTS } from './builtin/index.js';
