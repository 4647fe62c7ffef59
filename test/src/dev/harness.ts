/**
 * Runs the real `eventpipe` executable as a user would, for the dev, replay and README tests: spawned
 * in its own process group (so a test can kill -9 the whole group), `--json` for the ready line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { DevInfo } from '@eventpipe/cli';
import { keepProcessOutput, registerSecret } from '../secrets.js';

export const CLI = fileURLToPath(new URL('../../../cli/bin/eventpipe.js', import.meta.url));

export type { DevInfo };

export interface DevProcess {
  info: DevInfo;
  child: ChildProcess;
  readyMs: number;
  /** SIGTERM, then the exit code (bounded wait). */
  stop(): Promise<number | null>;
  /** SIGKILL to the whole process group: nothing gets to clean up. */
  killGroup(): Promise<void>;
  stdout(): string;
  stderr(): string;
}

/** A data dir the `postgres` system user can traverse (tests run as root; mkdtemp makes 0700). */
export function tempDataDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `eventpipe-${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** Collects a child's output and resolves once it exits (bounded). */
function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`process ${child.pid} did not exit in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export async function startDev(
  dataDir: string,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<DevProcess> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'dev', '--json', '--port', '0', '--data-dir', dataDir], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      EVENTPIPE_LOG_LEVEL: process.env.EVENTPIPE_TEST_LOG_DIR ? 'debug' : 'info',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  // stderr only: stdout is the ready line, which hands the user the dev's write key on purpose.
  child.once('exit', () => keepProcessOutput('eventpipe dev', stderr));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`eventpipe dev not ready in ${timeoutMs} ms:\n${stderr.slice(-4000)}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const end = stdout.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, end));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`eventpipe dev exited with ${code} before it was ready:\n${stderr.slice(-4000)}`));
    });
  });
  const readyMs = Date.now() - started;
  const info = JSON.parse(line) as DevInfo;
  registerSecret(info.writeKey);
  const dev: DevProcess = {
    info,
    child,
    readyMs,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exitOf(child, 30_000);
    },
    async killGroup() {
      const exited = exitOf(child, 10_000);
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
    },
  };
  return dev;
}

/** Polls `sql` until `accept(rows)` holds, or fails with the last value after `timeoutMs`. */
export async function waitForQuery<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  accept: (rows: T[]) => boolean,
  timeoutMs = 20_000,
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  try {
    while (true) {
      try {
        const { rows } = await client.query<T>(sql);
        if (accept(rows)) return rows;
        last = rows;
      } catch (error) {
        // The table may not exist until the first batch has loaded.
        last = (error as Error).message;
      }
      if (Date.now() > deadline)
        throw new Error(`${sql}: not as expected after ${timeoutMs} ms: ${JSON.stringify(last)}`);
      await sleep(200);
    }
  } finally {
    await client.end();
  }
}

export async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Live (not zombie) processes whose command line mentions `text`, e.g. a data dir: pid → command line. */
export function processesMentioning(text: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text) && Number(name) !== process.pid) found.set(Number(name), cmdline);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Waits until no live process mentions `text`; fails naming the survivors after `timeoutMs`. */
export async function waitForNoProcess(text: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (true) {
    const left = processesMentioning(text);
    if (left.size === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`still running after ${timeoutMs} ms:\n${[...left.values()].join('\n')}`);
    }
    await sleep(100);
  }
}
