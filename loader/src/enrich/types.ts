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

export type EnrichFunction = (envelope: Envelope, ctx: EnrichContext) => Record<string, unknown> | undefined;

export interface Enrichment<S extends TSchema = TSchema> {
  name: string;
  /** Options schema (TypeBox), validated when the pipeline starts. */
  options: S;
  /** Prepares the function once per process (opens databases, builds caches). */
  create(options: Static<S>): EnrichFunction | Promise<EnrichFunction>;
}
