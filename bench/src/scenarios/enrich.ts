/**
 * enrich.default: events/s through the default enrichments (`DEFAULT_ENRICHMENTS`: user-agent,
 * geoip, referrer, campaign), in this process, on the bench events (tens of thousands of distinct
 * IPs, a few hundred user agents, so the caches hit as often as on real traffic, not always).
 * Ceiling: decoding the same events from their JSON (`JSON.parse`), the least per-event work the
 * loader does anyway. (The pass-through runner, no enrichments, is not a useful ceiling: it only
 * maps over the batch, tens of millions of events/s.)
 */
import { createLogger } from '@eventpipe/core';
import { createEnricher, DEFAULT_ENRICHMENTS } from '@eventpipe/loader/internal';
import type { Envelope } from '@eventpipe/core';
import { benchEnvelope } from '../event.js';
import { measurement, round, type Measurement } from '../results.js';

export interface EnrichBenchOptions {
  events: number;
  /** Default: the `eventpipe dev` defaults, reported as `enrich.default`. */
  enrichments?: string[];
  log: (line: string) => void;
}

/** The loader enriches a whole batch at once; this is a typical pull of a busy stream. */
const BATCH = 1_000;

function eventsPerSecond<T>(enrich: (batch: T[]) => unknown, envelopes: readonly T[]): number {
  // A warm-up pass: a running loader's caches and JIT are warm too.
  for (let i = 0; i < Math.min(envelopes.length, 20_000); i += BATCH) enrich(envelopes.slice(i, i + BATCH));
  const started = performance.now();
  for (let i = 0; i < envelopes.length; i += BATCH) enrich(envelopes.slice(i, i + BATCH));
  return envelopes.length / ((performance.now() - started) / 1000);
}

export async function benchEnrich(options: EnrichBenchOptions): Promise<Measurement[]> {
  const log = createLogger('bench', 'warn');
  const runId = `e${Date.now()}`;
  const envelopes = Array.from({ length: options.events }, () => benchEnvelope(runId));
  const names = options.enrichments ?? DEFAULT_ENRICHMENTS;
  options.log(`enrich: ${options.events} events through ${names.join(', ')}`);
  const enriched = eventsPerSecond(await createEnricher(names, log), envelopes);
  options.log('ceiling: JSON decoding of the same events');
  const payloads = envelopes.map((e) => JSON.stringify(e));
  const decode = eventsPerSecond((batch: string[]) => batch.map((p) => JSON.parse(p) as Envelope), payloads);
  return [
    measurement(
      options.enrichments ? `enrich.${names.join('+')}` : 'enrich.default',
      enriched,
      'events/s',
      { name: 'JSON decode of the same events', value: round(decode, 1) },
      {
        notes: `${names.join(', ')}; ${options.events} events in batches of ${BATCH}, in one process`,
      },
    ),
  ];
}
