/**
 * `npm run bench`: every path of eventpipe against its ceiling, measured in the same run on the same
 * machine. Writes bench/results/latest.json and latest.md.
 *
 *   npm run bench                    all scenarios (~2.5 minutes on 2 cores)
 *   npm run bench -- --quick         short runs, for checking the benchmark itself
 *   npm run bench -- --only collector,enrich
 *   npm run bench -- --profile /tmp/prof    CPU profiles of every child (collector, loader, ceilings)
 *   npm run bench -- --only enrich --enrichments geoip    one enrichment (or a list) instead of the defaults
 *   npm run bench -- --node /path/to/node20,/path/to/node24   the same run once per Node binary, side by side
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { postgresBinDir } from '@eventpipe/local';
import { describeMachine } from './machine.js';
import { profileChildrenInto } from './processes.js';
import { writeResults, type Measurement } from './results.js';
import { runOncePerNode } from './runtimes.js';
import { benchCollector } from './scenarios/collector.js';
import { benchLoader } from './scenarios/loader.js';
import { benchEnrich } from './scenarios/enrich.js';
import { benchE2e } from './scenarios/e2e.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: fileURLToPath(new URL('../results', import.meta.url)) },
    profile: { type: 'string' },
    enrichments: { type: 'string' },
    node: { type: 'string' },
  },
});

if (values.node) {
  // Each runtime runs the whole benchmark (ceilings included) in a process of its own.
  const merged = await runOncePerNode(
    values.node.split(',').map((s) => s.trim()),
    process.argv.slice(2),
  );
  const written = writeResults(values.out!, merged.machine, merged.results);
  console.error(`wrote ${written.json} and ${written.md}`);
  process.exit(0);
}

if (values.profile) profileChildrenInto(values.profile);
const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const durationSeconds = values.quick ? 3 : 10;
/** More than collector and loader can take together on 2 cores, so e2e measures the maximum. */
const E2E_OFFERED_RATE = 40_000;

const scenarios: Record<string, () => Promise<Measurement[]>> = {
  collector: () => benchCollector({ durationSeconds, connections: 20, log }),
  loader: () => benchLoader({ events: values.quick ? 30_000 : 200_000, log }),
  e2e: () =>
    benchE2e({
      durationSeconds,
      offeredRate: E2E_OFFERED_RATE,
      latencySeconds: values.quick ? 5 : 15,
      latencyRate: 800,
      loaders: 1,
      latency: true,
      ceilingEvents: values.quick ? 20_000 : 100_000,
      log,
    }),
  e2e2: () =>
    benchE2e({
      durationSeconds,
      offeredRate: E2E_OFFERED_RATE,
      latencySeconds: 0,
      latencyRate: 0,
      loaders: 2,
      latency: false,
      ceilingEvents: values.quick ? 20_000 : 100_000,
      log,
    }),
  enrich: () =>
    benchEnrich({
      events: values.quick ? 20_000 : 100_000,
      enrichments: values.enrichments?.split(',').map((s) => s.trim()),
      log,
    }),
};

const selected = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(scenarios);
const unknown = selected.filter((name) => !(name in scenarios));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}

const results: Measurement[] = [];
for (const name of selected) {
  log(`scenario ${name}`);
  results.push(...(await scenarios[name]!()));
}

console.table(
  results.map((r) => ({
    name: r.name,
    value: r.value,
    unit: r.unit,
    ceiling: r.ceiling ? `${r.ceiling.value} (${r.ceiling.name})` : '',
    ratio: r.ratio ?? '',
    target: r.target ? `${r.target.met ? 'met' : 'MISSED'} ${r.target.text}` : '',
  })),
);
const written = writeResults(
  values.out!,
  describeMachine(postgresBinDir()),
  results.map((r) => ({ ...r, node: process.version })),
);
log(`wrote ${written.json} and ${written.md}`);
