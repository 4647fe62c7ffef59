import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { demoEvents } from '../send/demo-events.js';
import { sendEvents, type SendSummary } from '../send/sender.js';
import { startProgress } from '../send/progress.js';
import { findRunningDev } from '../dev/running.js';

const usage = `Usage: eventpipe send --demo [options]

Sends realistic sample traffic (every call type, several event names and property shapes) to a
collector's /v1/batch, rate-limited, and prints what was accepted and rejected.

Options:
  --demo              send generated demo events (the only input for now)
  --url URL           collector URL (default: the running "eventpipe dev" of --data-dir, else http://127.0.0.1:8080)
  --write-key KEY     write key (default: the demo source's key of that "eventpipe dev")
  --data-dir DIR      data dir of "eventpipe dev" to read the URL and key from (default ./.eventpipe)
  --count N           number of events (default 1000)
  --rate N            events per second, 0 = unlimited (default 200)
  --batch-size N      events per request (default 100)
  --concurrency N     requests in flight (default 4)
  --seed N            generator seed, for reproducible events (default: random)

Exit code 0 when every event was accepted, 1 otherwise.`;

function positiveInt(value: string | undefined, name: string, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new Error(`--${name}: "${value}" is not a ${allowZero ? 'non-negative' : 'positive'} integer`);
  }
  return n;
}

export function formatSummary(s: SendSummary): string {
  const lines = [
    `sent ${s.sent}, accepted ${s.accepted}, rejected ${s.rejected} in ${(s.elapsedMs / 1000).toFixed(1)} s` +
      (s.retries > 0 ? ` (${s.retries} retries)` : ''),
  ];
  for (const [reason, count] of Object.entries(s.reasons)) lines.push(`  rejected ${count}: ${reason}`);
  return lines.join('\n');
}

export const sendCommand: Command = {
  name: 'send',
  summary: 'send sample traffic to a collector (--demo)',
  usage,
  run: async (argv) => {
    const { values } = parseArgs({
      args: argv,
      options: {
        demo: { type: 'boolean', default: false },
        url: { type: 'string' },
        'write-key': { type: 'string' },
        'data-dir': { type: 'string', default: './.eventpipe' },
        count: { type: 'string' },
        rate: { type: 'string' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
        seed: { type: 'string' },
      },
    });
    if (!values.demo) throw new Error(`eventpipe send needs --demo\n\n${usage}`);
    const dev = findRunningDev(values['data-dir']);
    const url = values.url ?? (dev.found ? dev.state.collectorUrl : undefined) ?? 'http://127.0.0.1:8080';
    const writeKey = values['write-key'] ?? (dev.found ? dev.state.writeKey : undefined);
    if (!writeKey) {
      throw new Error(`--write-key is required (${dev.found ? 'none in state.json' : dev.reason})`);
    }
    const from =
      values.url !== undefined && values['write-key'] !== undefined
        ? '--url and --write-key'
        : dev.found
          ? `the running "eventpipe dev" of ${dev.dataDir} (pid ${dev.pid})`
          : `--write-key and the default URL (${dev.reason})`;
    const count = positiveInt(values.count, 'count', 1000);
    const rate = positiveInt(values.rate, 'rate', 200, true);
    // Small batches at low rates keep the traffic smooth (about five requests a second).
    const batchSize = Math.min(
      positiveInt(values['batch-size'], 'batch-size', 100),
      rate > 0 ? Math.max(1, Math.ceil(rate / 5)) : Infinity,
    );
    const seed = positiveInt(values.seed, 'seed', Math.floor(Math.random() * 2 ** 31), true);
    const generator = demoEvents({ seed, start: new Date() });

    console.error(`sending ${count} demo events to ${url} (seed ${seed}), collector and key from ${from}`);
    const progress = startProgress({ label: 'send', unit: 'events', total: count });
    const summary = await sendEvents({
      url,
      writeKey,
      count,
      rate,
      batchSize,
      concurrency: positiveInt(values.concurrency, 'concurrency', 4),
      next: () => generator.next(),
      onBatch: (n) => progress.advance(n),
    });
    progress.finish();
    console.log(formatSummary(summary));
    return summary.rejected === 0 ? 0 : 1;
  },
};
