/**
 * One chaos run: the topology up, the SDK load going (a steady rate plus bursts), every fault of the
 * schedule injected in turn while it runs, then the load stopped, the pipeline drained and the
 * warehouse and raw archive compared with what the SDK was told.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ackFloor, waitFor, WRITE_KEY } from '../e2e/harness.js';
import { FAULT_KINDS, injectFault, type FaultKind } from './faults.js';
import { Sdk } from './sdk.js';
import { startTopology } from './topology.js';
import { compare, readArchive, readWarehouse, type Verdict } from './verify.js';

export interface Schedule {
  name: string;
  eventsPerSecond: number;
  burstEveryMs: number;
  burstEvents: number;
  /** Every fault kind is injected this many times, one fault at a time. */
  rounds: number;
  /** How long each fault lasts (a process down, a server frozen, a lock held). */
  holdMs: number;
  /** Undisturbed load between two faults. */
  gapMs: number;
  warmupMs: number;
  /** Bound on the SDK's last retries and on the loaders catching up once the load stops. */
  drainTimeoutMs: number;
}

/** Runs inside `npm test`: every fault once, short. */
export const SHORT: Schedule = {
  name: 'short',
  eventsPerSecond: 50,
  burstEveryMs: 10_000,
  burstEvents: 300,
  rounds: 1,
  holdMs: 3_000,
  gapMs: 1_500,
  warmupMs: 3_000,
  drainTimeoutMs: 60_000,
};

/** On demand (`npm run test:chaos -- --long`): every fault three times, 10 s each. */
export const LONG: Schedule = {
  name: 'long',
  eventsPerSecond: 100,
  burstEveryMs: 20_000,
  burstEvents: 1_000,
  rounds: 3,
  holdMs: 10_000,
  gapMs: 5_000,
  warmupMs: 5_000,
  drainTimeoutMs: 120_000,
};

export interface FaultRecord {
  kind: FaultKind;
  start: number;
  end: number;
  injected: boolean;
  detail: string;
}

export interface LatencyFigures {
  events: number;
  maxMs: number;
  p99Ms: number;
}

export interface ChaosReport {
  schedule: Schedule;
  durationMs: number;
  verdict: Verdict;
  faults: FaultRecord[];
  injectedByKind: Record<FaultKind, number>;
  /** From the SDK's `track()` call (client-side queueing and retries included) to the warehouse. */
  latencyDuringFaults: LatencyFigures;
  latencyOverall: LatencyFigures;
  /** From the 200 to the warehouse: the pipeline's own share. */
  afterAckDuringFaults: LatencyFigures;
  afterAckOverall: LatencyFigures;
  /** When the slowest acknowledged event (from its 200) was tracked, and the fault held then. */
  slowest: { trackedAtS: number; afterAckMs: number; fault: string };
  answers: Record<string, number>;
  retries: number;
  deadLetters: number;
  crashes: string[];
}

export function latency(values: number[]): LatencyFigures {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { events: sorted.length, maxMs: sorted.at(-1) ?? 0, p99Ms: at(0.99) };
}

/** The faults in turn, each round starting one kind further on so each fault follows different ones. */
export function faultOrder(rounds: number): { kind: FaultKind; round: number }[] {
  return Array.from({ length: rounds }, (_, round) =>
    FAULT_KINDS.map((_, i) => ({ kind: FAULT_KINDS[(i + round) % FAULT_KINDS.length]!, round })),
  ).flat();
}

export async function runChaos(schedule: Schedule, log: (line: string) => void): Promise<ChaosReport> {
  const started = Date.now();
  const topology = await startTopology({
    collectors: 2,
    loaders: 2,
    lockTimeoutMs: Math.min(2_000, schedule.holdMs / 2),
    // The test run's log folder by default, so a crash in CI leaves its process's last words behind.
    logDir: process.env.EVENTPIPE_CHAOS_LOG_DIR ?? process.env.EVENTPIPE_TEST_LOG_DIR,
  });
  try {
    const sdk = new Sdk({
      collectors: () => topology.collectorUrls,
      writeKey: WRITE_KEY,
      runId: `chaos-${started}`,
      concurrency: 8,
      timeoutMs: 5_000,
      batchSize: 20,
    });
    const perTick = schedule.eventsPerSecond / 10;
    let owed = 0;
    const steady = setInterval(() => {
      owed += perTick;
      const count = Math.floor(owed);
      owed -= count;
      sdk.track(count);
    }, 100);
    const bursts = setInterval(() => sdk.track(schedule.burstEvents), schedule.burstEveryMs);

    const faults: FaultRecord[] = [];
    try {
      await sleep(schedule.warmupMs);
      for (const { kind, round } of faultOrder(schedule.rounds)) {
        const start = Date.now();
        const outcome = await injectFault(kind, topology, schedule.holdMs, round);
        faults.push({ kind, start, end: Date.now(), ...outcome });
        log(`${((Date.now() - started) / 1000).toFixed(1)} s  ${kind}: ${outcome.detail}`);
        await sleep(schedule.gapMs);
      }
    } finally {
      clearInterval(steady);
      clearInterval(bursts);
    }

    log(`load stopped; waiting for the SDK's last retries and the loaders to catch up`);
    await sdk.drain(Date.now() + schedule.drainTimeoutMs);
    const { jsm } = topology.nats;
    const { stream } = topology.config.nats;
    await waitFor(
      'every stored event to be loaded and acked',
      async () => (await ackFloor(jsm, topology.config)) >= (await jsm.streams.info(stream)).state.last_seq,
      schedule.drainTimeoutMs,
    );

    const warehouse = await readWarehouse(
      topology.servers.postgres.url,
      topology.config.warehouse.metaSchema,
    );
    const verdict = compare(sdk.events, warehouse, await readArchive(topology.config));
    const faultAt = (t: number) => faults.find((f) => t >= f.start && t <= f.end)?.kind;
    const inFault = (t: number) => faultAt(t) !== undefined;
    const acked = [...sdk.events.values()].filter((e) => e.ackedAt !== undefined);
    const latencies = acked.flatMap((e) => {
      const loadedAt = verdict.loadedAt.get(e.id);
      if (loadedAt === undefined) return [];
      return [
        {
          trackedAt: e.trackedAt,
          during: inFault(e.trackedAt),
          ms: loadedAt - e.trackedAt,
          afterAck: loadedAt - e.ackedAt!,
        },
      ];
    });
    const slowest = latencies.reduce((a, b) => (b.afterAck > a.afterAck ? b : a), latencies[0]!);
    const during = latencies.filter((l) => l.during);
    const injectedByKind = Object.fromEntries(
      FAULT_KINDS.map((kind) => [kind, faults.filter((f) => f.kind === kind && f.injected).length]),
    ) as Record<FaultKind, number>;
    return {
      schedule,
      durationMs: Date.now() - started,
      verdict,
      faults,
      injectedByKind,
      latencyDuringFaults: latency(during.map((l) => l.ms)),
      latencyOverall: latency(latencies.map((l) => l.ms)),
      afterAckDuringFaults: latency(during.map((l) => l.afterAck)),
      afterAckOverall: latency(latencies.map((l) => l.afterAck)),
      slowest: {
        trackedAtS: Math.round((slowest.trackedAt - started) / 1000),
        afterAckMs: slowest.afterAck,
        fault: faultAt(slowest.trackedAt) ?? 'none',
      },
      answers: sdk.stats.answers,
      retries: sdk.stats.retries,
      deadLetters: warehouse.deadLetters,
      crashes: [...topology.crashes],
    };
  } finally {
    await topology.dispose();
  }
}

/** The figures, as printed by the suite and quoted in docs/reliability.md. */
export function formatReport(r: ChaosReport): string[] {
  const v = r.verdict;
  const list = (ids: string[]) => `${ids.length}${ids.length ? ` (${ids.slice(0, 5).join(', ')}…)` : ''}`;
  const figures = (l: LatencyFigures) => `max ${l.maxMs} ms, p99 ${l.p99Ms} ms over ${l.events} events`;
  return [
    `chaos schedule "${r.schedule.name}": ${(r.durationMs / 1000).toFixed(0)} s, 2 collectors, 2 loaders, nats-server, PostgreSQL, S3 server`,
    `events sent ${v.sent}, acknowledged (200) ${v.acknowledged}, loaded ${v.loaded}`,
    `duplicates ${list(v.duplicates)}, missing ${list(v.missing)}, changed ${list(v.changed)}, unknown ${list(v.unknown)}, rejected ${list(v.rejected)}`,
    `raw archive: ${v.archive.objects} objects; missing ${list(v.archive.missing)}, twice in one batch ${list(v.archive.duplicatesInBatch)}, changed ${list(v.archive.changed)}; in more than one batch (re-formed after a redelivery) ${v.archive.inSeveralBatches}`,
    `faults injected: ${Object.entries(r.injectedByKind)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ')}`,
    `event-to-warehouse latency from track(), events tracked during a fault: ${figures(r.latencyDuringFaults)}`,
    `event-to-warehouse latency from track(), all events: ${figures(r.latencyOverall)}`,
    `from the 200 to the warehouse, events tracked during a fault: ${figures(r.afterAckDuringFaults)}`,
    `from the 200 to the warehouse, all events: ${figures(r.afterAckOverall)}; the slowest (${r.slowest.afterAckMs} ms) tracked at ${r.slowest.trackedAtS} s, fault held then: ${r.slowest.fault}`,
    `SDK answers: ${Object.entries(r.answers)
      .map(([answer, n]) => `${answer} ${n}`)
      .join(', ')}; retries ${r.retries}`,
    `dead letters ${r.deadLetters}; unexpected exits ${r.crashes.length ? r.crashes.join('; ') : 'none'}`,
  ];
}
