/**
 * The secrets the test suite configures, in one place, and what checks that none of them is ever
 * logged: `scripts/run-tests.mjs` sets `EVENTPIPE_TEST_LOG_DIR`, every test logger (`testLogger`) and
 * every eventpipe process a test spawns (`keepProcessOutput`) write their logs there at debug level,
 * and after the run `findLeaks` greps all of it for these values and for those registered at run time
 * (`registerSecret`: a write key `eventpipe dev` generated, an API server token).
 */
import { closeSync, openSync, readdirSync, readFileSync, writeSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, type Logger } from '@eventpipe/core';

/** Each is long and odd enough that it appears in a log only if the secret itself was written. */
export const TEST_SECRETS = {
  /** The write key of the e2e, loader and telemetry suites' source `web`. */
  writeKey: 'test-write-key-1',
  /** The write key of the collector suites' source `web`. */
  collectorWriteKey: 'test-write-key-web',
  /** In the warehouse URLs the suites configure (the local cluster trusts loopback, so any password works). */
  warehousePassword: 'wh-pass-3c7e19d2b4',
  /** The secret of the S3 key pair the suites' s3rver accepts besides its built-in one. */
  s3SecretAccessKey: 's3-secret-9a4f60e1c8d7',
} as const;

/** The S3 key pair of the suites (the access key id is not a secret). */
export const TEST_S3_CREDENTIALS = {
  accessKeyId: 'TESTS3KEYID7F2A',
  secretAccessKey: TEST_SECRETS.s3SecretAccessKey,
};

/** Where the logs of this run go (set by scripts/run-tests.mjs), or undefined when not captured. */
const logDir = (): string | undefined => process.env.EVENTPIPE_TEST_LOG_DIR || undefined;

/**
 * A logger for test code and the servers it starts in-process: debug level into the run's log
 * directory when logs are captured, else `EVENTPIPE_TEST_LOG_LEVEL` on stdout (silent by default).
 */
export function testLogger(component = 'test'): Logger {
  const dir = logDir();
  if (dir === undefined) return createLogger(component, process.env.EVENTPIPE_TEST_LOG_LEVEL ?? 'silent');
  return createLogger(component, 'debug', {}, { write: (line: string) => appendLine(dir, line) });
}

let fd: number | undefined;
function appendLine(dir: string, line: string): void {
  // One file per test process, written synchronously so nothing is lost when the process ends.
  fd ??= openSync(join(dir, `tests-${process.pid}.log`), 'a');
  writeSync(fd, line);
}
process.once('exit', () => {
  if (fd !== undefined) closeSync(fd);
});

/** Keeps what a spawned eventpipe process wrote (its logs) with the run's logs. */
export function keepProcessOutput(name: string, output: string): void {
  const dir = logDir();
  if (dir === undefined || output === '') return;
  appendFileSync(join(dir, `process-${process.pid}.log`), `--- ${name}\n${output}\n`);
}

/** A secret made at run time, to look for as well. */
export function registerSecret(value: string): void {
  const dir = logDir();
  if (dir !== undefined) appendFileSync(join(dir, `secrets-${process.pid}.txt`), `${value}\n`);
}

export interface Leak {
  file: string;
  /** The secret's name, or the first characters of one registered at run time. */
  secret: string;
}

/**
 * Every secret (the fixed ones, their Basic-auth forms, and those registered) found in the log files
 * of `dir`; also `bytes`, how much log there was, so a run that captured nothing is not taken as clean.
 */
export function findLeaks(dir: string): { leaks: Leak[]; bytes: number } {
  const files = readdirSync(dir);
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(TEST_SECRETS)) {
    secrets.set(value, name);
    if (name.toLowerCase().includes('writekey'))
      secrets.set(Buffer.from(`${value}:`).toString('base64'), `${name} (Basic auth)`);
  }
  for (const file of files.filter((f) => f.startsWith('secrets-'))) {
    for (const value of readFileSync(join(dir, file), 'utf8').split('\n')) {
      // Short values could match by chance; every secret the suites make is longer.
      if (value.length >= 8) secrets.set(value, `${value.slice(0, 3)}… (registered)`);
    }
  }
  const leaks: Leak[] = [];
  let bytes = 0;
  for (const file of files.filter((f) => f.endsWith('.log'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    bytes += text.length;
    for (const [value, name] of secrets) if (text.includes(value)) leaks.push({ file, secret: name });
  }
  return { leaks, bytes };
}
