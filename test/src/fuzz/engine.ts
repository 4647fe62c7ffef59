/**
 * A small coverage-guided fuzzer on Node's own V8 block coverage (`node:inspector`, `Profiler`).
 *
 * Why not jazzer.js: its last release (4.0.0) ships a libFuzzer addon built against glibc 2.38, which
 * does not load on Debian 12 (glibc 2.36), and ships no sources to rebuild it; 2.1.0 builds libFuzzer
 * by downloading LLVM at install time, and the project is no longer maintained in the open. jsfuzz
 * (2019) instruments only CommonJS through a require hook, and our code is ESM. V8's precise coverage
 * sees every module, ESM included, with no instrumentation step.
 *
 * The loop is libFuzzer's in miniature: take an input from the corpus, mutate it (byte edits,
 * dictionary tokens, splices with another input), run the target, and keep the input when it reached
 * a block, or a block a number of times (in power-of-two buckets), that no input reached before.
 * A throw is a crash; no return within `hangMs` is a hang (a watchdog thread, since a synchronous
 * hang blocks this one). Either is written to `findingsDir` and ends the run.
 */
import { Session } from 'node:inspector';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface FuzzTarget {
  name: string;
  /** Substrings of the script URLs whose coverage guides the fuzzer (our dist folders, the parsers). */
  covers: readonly string[];
  /** Tokens worth inserting whole (JSON syntax, hostile literals, header values). */
  dictionary: readonly string[];
  setup?(): Promise<void>;
  /** Throws (or rejects) when the input shows a bug. */
  run(data: Buffer): void | Promise<void>;
  teardown?(): Promise<void>;
}

export interface FuzzOptions {
  seconds: number;
  /** Seed inputs, one file each (the committed corpus). */
  corpusDir: string;
  /** Where inputs that found new coverage are written; not written when absent. */
  saveDir?: string;
  /** Where a crashing or hanging input is written. */
  findingsDir: string;
  maxLength?: number;
  hangMs?: number;
  /** For a reproducible run. */
  seed?: number;
  log?: (line: string) => void;
}

export interface Finding {
  kind: 'crash';
  file: string;
  error: string;
}

export interface FuzzReport {
  target: string;
  executions: number;
  seconds: number;
  corpus: number;
  /** Distinct (block, hit-count bucket) pairs reached. */
  features: number;
  finding?: Finding;
}

/** xorshift32: deterministic for a seed, and fast. */
function random(seed: number) {
  let state = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return { below: (n: number) => (n <= 0 ? 0 : next() % n), next };
}
type Random = ReturnType<typeof random>;

const INTERESTING_BYTES = [
  0x00, 0x01, 0x7f, 0x80, 0xff, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x2d, 0x65,
];

/** One to four stacked edits of `input`, as libFuzzer's mutation dispatcher does. */
export function mutate(
  input: Buffer,
  corpus: readonly Buffer[],
  dictionary: readonly Buffer[],
  rng: Random,
  maxLength: number,
): Buffer {
  let data = Buffer.from(input);
  const edits = 1 + rng.below(4);
  for (let i = 0; i < edits; i++) {
    const at = rng.below(data.length + 1);
    switch (rng.below(9)) {
      case 0: // flip a bit
        if (data.length > 0) data[at % data.length]! ^= 1 << rng.below(8);
        break;
      case 1: // set a byte to an interesting value
        if (data.length > 0) data[at % data.length] = INTERESTING_BYTES[rng.below(INTERESTING_BYTES.length)]!;
        break;
      case 2: // set a random byte
        if (data.length > 0) data[at % data.length] = rng.below(256);
        break;
      case 3: {
        // delete a range
        const length = 1 + rng.below(Math.min(16, Math.max(1, data.length - at)));
        data = Buffer.concat([data.subarray(0, at), data.subarray(at + length)]);
        break;
      }
      case 4: {
        // duplicate a range
        const length = 1 + rng.below(16);
        data = Buffer.concat([data.subarray(0, at), data.subarray(at, at + length), data.subarray(at)]);
        break;
      }
      case 5:
      case 6: {
        // insert or overwrite with a dictionary token
        const token = dictionary[rng.below(dictionary.length)];
        if (!token) break;
        const end = rng.below(2) === 0 ? at : Math.min(data.length, at + token.length);
        data = Buffer.concat([data.subarray(0, at), token, data.subarray(end)]);
        break;
      }
      case 7: {
        // splice: the head of this input, the tail of another
        const other = corpus[rng.below(corpus.length)];
        if (!other) break;
        data = Buffer.concat([data.subarray(0, at), other.subarray(rng.below(other.length + 1))]);
        break;
      }
      default: {
        // insert random bytes
        const bytes = Buffer.alloc(1 + rng.below(8));
        for (let j = 0; j < bytes.length; j++) bytes[j] = rng.below(256);
        data = Buffer.concat([data.subarray(0, at), bytes, data.subarray(at)]);
      }
    }
  }
  return data.length > maxLength ? data.subarray(0, maxLength) : data;
}

interface ScriptCoverage {
  scriptId: string;
  url: string;
  functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
}

/** AFL's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+. */
function bucket(count: number): number {
  if (count <= 3) return count;
  if (count < 8) return 4;
  if (count < 16) return 5;
  if (count < 32) return 6;
  if (count < 128) return 7;
  return 8;
}

/** Block coverage since the last call (taking it resets the counters). */
class Coverage {
  private readonly session = new Session();

  constructor(private readonly covers: readonly string[]) {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /** The in-process inspector answers synchronously: the callback has run when `post` returns. */
  private post(method: string, params?: object): unknown {
    let answer: { error: Error | null; result?: unknown } | undefined;
    this.session.post(method, params, (error, result) => (answer = { error, result }));
    if (!answer) throw new Error(`inspector did not answer ${method} synchronously`);
    if (answer.error) throw answer.error;
    return answer.result;
  }

  /** Features of the last execution: `script:start:end:bucket` for each block it ran. */
  take(): string[] {
    const { result } = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    const features: string[] = [];
    for (const script of result) {
      if (!this.covers.some((part) => script.url.includes(part))) continue;
      for (const fn of script.functions) {
        for (const range of fn.ranges) {
          if (range.count > 0)
            features.push(
              `${script.scriptId}:${range.startOffset}:${range.endOffset}:${bucket(range.count)}`,
            );
        }
      }
    }
    return features;
  }

  close() {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }
}

/**
 * A thread that kills the process when an execution takes longer than `hangMs`, after writing the
 * input it was running: the main thread copies each input into shared memory before running it.
 */
function startWatchdog(hangMs: number, findingsDir: string, target: string, maxLength: number) {
  const shared = new SharedArrayBuffer(8 + maxLength);
  const state = new Int32Array(shared, 0, 2); // [execution number, input length]
  const input = new Uint8Array(shared, 8);
  const worker = new Worker(
    `
    const { workerData } = require('node:worker_threads');
    const { writeFileSync, mkdirSync } = require('node:fs');
    const { join } = require('node:path');
    const state = new Int32Array(workerData.shared, 0, 2);
    const input = new Uint8Array(workerData.shared, 8);
    let last = -1, since = Date.now();
    setInterval(() => {
      const now = Atomics.load(state, 0);
      if (now !== last) { last = now; since = Date.now(); return; }
      if (now <= 0 || Date.now() - since < workerData.hangMs) return;
      mkdirSync(workerData.findingsDir, { recursive: true });
      const file = join(workerData.findingsDir, workerData.target + '-hang-' + Date.now());
      writeFileSync(file, input.slice(0, Atomics.load(state, 1)));
      process.stderr.write('fuzz: ' + workerData.target + ': HANG (no return in ' + workerData.hangMs + ' ms), input written to ' + file + '\\n');
      process.kill(process.pid, 'SIGKILL');
    }, 250).unref();
    `,
    { eval: true, workerData: { shared, hangMs, findingsDir, target } },
  );
  worker.unref();
  let executions = 0;
  return {
    /** Call before each execution. */
    running(data: Buffer) {
      input.set(data.subarray(0, maxLength));
      Atomics.store(state, 1, Math.min(data.length, maxLength));
      Atomics.store(state, 0, ++executions);
    },
    /** Call when idle (between phases), so that idle time is not taken for a hang. */
    idle() {
      Atomics.store(state, 0, 0);
    },
    stop: () => worker.terminate(),
  };
}

function readCorpus(dir: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((name) => readFileSync(join(dir, name)));
}

const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex');

export async function fuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const maxLength = options.maxLength ?? 4096;
  const hangMs = options.hangMs ?? 10_000;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rng = random(options.seed ?? Date.now());
  const dictionary = target.dictionary.map((token) => Buffer.from(token));
  await target.setup?.();
  const coverage = new Coverage(target.covers);
  const watchdog = startWatchdog(hangMs, options.findingsDir, target.name, maxLength);
  const seen = new Set<string>();
  const corpus: Buffer[] = [];
  let executions = 0;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;

  /** Runs one input; returns true when it reached something new. Throws the target's error. */
  const execute = async (data: Buffer): Promise<boolean> => {
    watchdog.running(data);
    executions++;
    // Counters were reset by the take after the previous execution; what ran since (mutating) is
    // not in the covered scripts.
    await target.run(data);
    let fresh = false;
    for (const feature of coverage.take()) {
      if (!seen.has(feature)) {
        seen.add(feature);
        fresh = true;
      }
    }
    return fresh;
  };

  const report = (finding?: Finding): FuzzReport => ({
    target: target.name,
    executions,
    seconds: Math.round(elapsed()),
    corpus: corpus.length,
    features: seen.size,
    ...(finding && { finding }),
  });

  const crash = (data: Buffer, error: unknown): FuzzReport => {
    mkdirSync(options.findingsDir, { recursive: true });
    const file = join(options.findingsDir, `${target.name}-crash-${sha1(data)}`);
    writeFileSync(file, data);
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`fuzz: ${target.name}: CRASH after ${executions} executions, input written to ${file}\n${message}`);
    return report({ kind: 'crash', file, error: message });
  };

  try {
    // Every seed runs first: a committed input that crashed once is a regression test.
    const seeds = readCorpus(options.corpusDir);
    for (const seed of seeds.length > 0 ? seeds : [Buffer.from('{}')]) {
      try {
        await execute(seed);
      } catch (error) {
        return crash(seed, error);
      }
      corpus.push(seed);
    }
    log(`fuzz: ${target.name}: ${seeds.length} seeds run, ${seen.size} features`);
    let nextStatus = 10;
    while (elapsed() < options.seconds) {
      const parent = corpus[rng.below(corpus.length)]!;
      const child = mutate(parent, corpus, dictionary, rng, maxLength);
      let fresh: boolean;
      try {
        fresh = await execute(child);
      } catch (error) {
        return crash(child, error);
      }
      if (fresh) {
        corpus.push(child);
        if (options.saveDir) {
          mkdirSync(options.saveDir, { recursive: true });
          writeFileSync(join(options.saveDir, sha1(child)), child);
        }
      }
      if (elapsed() >= nextStatus) {
        nextStatus += 30;
        log(
          `fuzz: ${target.name}: ${executions} executions in ${Math.round(elapsed())} s (${Math.round(executions / elapsed())}/s), corpus ${corpus.length}, features ${seen.size}`,
        );
      }
    }
    return report();
  } finally {
    watchdog.idle();
    await watchdog.stop();
    coverage.close();
    await target.teardown?.();
  }
}
