/**
 * The enrichment plug-in contract. An enrichment computes new fields for an event; it never edits
 * the raw event. Fields are flat column names (snake_case), loaded beside the `context_*` columns.
 */
import type { TSchema, Static } from '@sinclair/typebox';
import type { Envelope } from '@eventpipe/core';

export interface EnrichContext {
  /** Fields the enrichments before this one produced for the same event (e.g. geo-IP before anonymise-ip). */
  fields: Readonly<Record<string, unknown>>;
}

/** A configured enrichment: a built-in name or a module path, and options for its schema. */
export type EnrichmentSpec = string | { name: string; options?: unknown };

/**
 * Fields for one event, or undefined for none. A field whose name is a raw column replaces that
 * column's value; a null one clears it (as `anonymize-ip` does with an address it cannot truncate).
 */
export type EnrichFunction = (envelope: Envelope, ctx: EnrichContext) => Record<string, unknown> | undefined;

export interface Enrichment<S extends TSchema = TSchema> {
  name: string;
  /**
   * Enrichments that must run before this one when both are configured (e.g. `anonymize-ip` after
   * `geoip`, which needs the full address). The runner rejects a configuration that breaks this.
   */
  after?: readonly string[];
  /** Options schema (TypeBox), validated when the pipeline starts. */
  options: S;
  /** Prepares the function once per process (opens databases, builds caches). */
  create(options: Static<S>): EnrichFunction | Promise<EnrichFunction>;
}
