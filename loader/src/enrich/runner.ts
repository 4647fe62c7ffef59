/**
 * Runs the configured enrichments over a batch, between batch and transform.
 *
 * At start-up it resolves every enrichment (built-in name or module path), validates its options
 * against its schema, checks the order constraints and prepares each one, so a bad configuration
 * stops the loader with a message naming the enrichment and the option. Per event it runs them in
 * the configured order, each seeing the fields of the ones before; one that throws marks the event
 * and is counted, and the event still loads.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { Counter, type Registry } from 'prom-client';
import type { Envelope, Logger } from '@eventpipe/core';
import type { EnrichedEvent } from '../transform/types.js';
import type { EnrichFunction, Enrichment, EnrichmentSpec } from './types.js';
import { BUILTIN_ENRICHMENTS } from './builtin/index.js';

/** What `eventpipe dev` turns on. */
export const DEFAULT_ENRICHMENTS: readonly string[] = ['user-agent', 'geoip', 'referrer', 'campaign'];

export const ENRICHMENT_ERRORS_METRIC = 'eventpipe_enrichment_errors_total';

export type Enricher = (envelopes: Envelope[]) => EnrichedEvent[];

export interface EnricherOptions {
  /** Where `eventpipe_enrichment_errors_total` is registered (the loader's registry). */
  registry?: Registry;
  /** Base of relative module paths; the working directory by default. */
  cwd?: string;
}

/** A start-up problem with the enrichment configuration. */
export class EnrichmentConfigError extends Error {
  override name = 'EnrichmentConfigError';
}

function isModulePath(ref: string): boolean {
  return ref.startsWith('.') || isAbsolute(ref) || ref.startsWith('file:');
}

function isEnrichment(value: unknown): value is Enrichment {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Enrichment>;
  return (
    typeof candidate.name === 'string' &&
    candidate.name !== '' &&
    typeof candidate.options === 'object' &&
    candidate.options !== null &&
    typeof candidate.create === 'function'
  );
}

/** A built-in by name, or the default export of a plug-in module. */
async function resolveEnrichment(ref: string, cwd: string): Promise<Enrichment> {
  const builtin = BUILTIN_ENRICHMENTS.get(ref);
  if (builtin) return builtin;
  if (!isModulePath(ref)) {
    throw new EnrichmentConfigError(
      `unknown enrichment '${ref}': built-ins are ${[...BUILTIN_ENRICHMENTS.keys()].join(', ')}; ` +
        `a custom enrichment is a module path such as ./enrichments/mine.js`,
    );
  }
  const url = ref.startsWith('file:') ? ref : pathToFileURL(resolve(cwd, ref)).href;
  let module: { default?: unknown };
  try {
    module = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw new EnrichmentConfigError(`enrichment module ${ref}: cannot load it: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isEnrichment(module.default)) {
    throw new EnrichmentConfigError(
      `enrichment module ${ref}: its default export must be an enrichment ({ name, options, create })`,
    );
  }
  return module.default;
}

/** The options with their schema's defaults filled in, or an error naming each bad option. */
function validateOptions(enrichment: Enrichment, options: unknown): unknown {
  const value = Value.Default(enrichment.options, Value.Clone(options ?? {}));
  if (Value.Check(enrichment.options, value)) return value;
  const problems = [...Value.Errors(enrichment.options, value)].map(
    (error) =>
      `${error.path === '' ? 'options' : `option ${error.path.slice(1).replaceAll('/', '.')}`}: ${error.message}`,
  );
  throw new EnrichmentConfigError(`enrichment '${enrichment.name}': ${problems.join('; ')}`);
}

/** Refuses duplicates and an enrichment placed before one it must follow. */
function checkOrder(enrichments: readonly Enrichment[]): void {
  const position = new Map<string, number>();
  enrichments.forEach((enrichment, index) => {
    if (position.has(enrichment.name)) {
      throw new EnrichmentConfigError(`enrichment '${enrichment.name}' is configured twice`);
    }
    position.set(enrichment.name, index);
  });
  enrichments.forEach((enrichment, index) => {
    for (const before of enrichment.after ?? []) {
      if ((position.get(before) ?? -1) > index) {
        throw new EnrichmentConfigError(
          `enrichment '${enrichment.name}' must come after '${before}' in the list (it changes what '${before}' reads)`,
        );
      }
    }
  });
}

function errorCounter(registry: Registry | undefined): Counter<'enrichment'> {
  const existing = registry?.getSingleMetric(ENRICHMENT_ERRORS_METRIC);
  if (existing) return existing as Counter<'enrichment'>;
  return new Counter({
    name: ENRICHMENT_ERRORS_METRIC,
    help: 'Events on which an enrichment threw (the event loaded without its fields), by enrichment',
    labelNames: ['enrichment'],
    registers: registry ? [registry] : [],
  });
}

interface Step {
  name: string;
  run: EnrichFunction;
}

/** Applies one enrichment to one event; throws what the enrichment threw, or a contract violation. */
function applyStep(step: Step, envelope: Envelope, fields: Record<string, unknown>): void {
  const result: unknown = step.run(envelope, { fields });
  if (result === undefined) return;
  if (typeof result !== 'object' || result === null || Array.isArray(result) || 'then' in result) {
    throw new TypeError(
      `returned ${Array.isArray(result) ? 'an array' : typeof result}, not a fields object`,
    );
  }
  for (const [name, value] of Object.entries(result)) if (value !== undefined) fields[name] = value;
}

export async function createEnricher(
  specs: readonly EnrichmentSpec[],
  log: Logger,
  options: EnricherOptions = {},
): Promise<Enricher> {
  const cwd = options.cwd ?? process.cwd();
  const configured = specs.map((spec) =>
    typeof spec === 'string' ? { name: spec, options: undefined } : spec,
  );
  const enrichments: Enrichment[] = [];
  for (const spec of configured) enrichments.push(await resolveEnrichment(spec.name, cwd));
  checkOrder(enrichments);
  const steps: Step[] = [];
  for (const [index, enrichment] of enrichments.entries()) {
    const validated = validateOptions(enrichment, configured[index]?.options);
    try {
      steps.push({ name: enrichment.name, run: await enrichment.create(validated) });
    } catch (error) {
      throw new EnrichmentConfigError(
        `enrichment '${enrichment.name}' failed to start: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  const errors = errorCounter(options.registry);
  log.info({ enrichments: steps.map((s) => s.name) }, 'enrichments ready');

  return (envelopes) => {
    // One log line per failing enrichment per batch, not one per event.
    const failures = new Map<string, { events: number; first: unknown }>();
    const enriched = envelopes.map((envelope): EnrichedEvent => {
      const fields: Record<string, unknown> = {};
      const failed: string[] = [];
      for (const step of steps) {
        try {
          applyStep(step, envelope, fields);
        } catch (error) {
          failed.push(step.name);
          errors.inc({ enrichment: step.name });
          const failure = failures.get(step.name);
          if (failure) failure.events += 1;
          else failures.set(step.name, { events: 1, first: error });
        }
      }
      const event: EnrichedEvent = { envelope };
      if (Object.keys(fields).length > 0) event.enriched = fields;
      if (failed.length > 0) event.enrichmentErrors = failed;
      return event;
    });
    for (const [enrichment, { events, first }] of failures) {
      log.warn(
        { enrichment, events, err: first },
        'enrichment failed on some events; they load without its fields',
      );
    }
    return enriched;
  };
}
