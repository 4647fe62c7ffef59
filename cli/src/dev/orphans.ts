/**
 * PostgreSQL runs under a supervisor that stops it when `eventpipe dev` is gone, however dev ended;
 * only a kill of that supervisor too (e.g. kill -9 of every process on the machine) leaves the
 * postmaster running, orphaned, on the data dir. Holding the dev lock proves no live `eventpipe dev`
 * owns it, so such an orphan is stopped (fast shutdown, which keeps every committed row) before a
 * new server starts there.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@eventpipe/core';
import { isAlive } from './lock.js';

const SHUTDOWN_TIMEOUT_MS = 20_000;

/** The pid of a postgres server running on `dataDir`, from its `postmaster.pid` and /proc. */
export function runningPostmaster(dataDir: string): number | undefined {
  let pid: number;
  let clusterDirs: string[];
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // The server was given the cluster's real path (the data dir may link to it, see startPostgres).
    clusterDirs = [dataDir, realpathSync(dataDir)];
  } catch {
    return undefined;
  }
  if (!isAlive(pid)) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('postgres') && clusterDirs.some((dir) => cmdline.includes(dir)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function stopOrphanPostgres(dataDir: string, log: Logger): Promise<void> {
  const pid = runningPostmaster(dataDir);
  if (pid === undefined) return;
  log.warn({ pid, dataDir }, 'stopping the PostgreSQL server a killed "eventpipe dev" left running');
  // SIGINT: PostgreSQL's fast shutdown (disconnect clients, checkpoint, exit).
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + SHUTDOWN_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      // Immediate shutdown: crash recovery replays the WAL at the next start, nothing committed is lost.
      process.kill(pid, 'SIGQUIT');
    }
    if (Date.now() > deadline + SHUTDOWN_TIMEOUT_MS) {
      throw new Error(`the PostgreSQL server (pid ${pid}) on ${dataDir} does not stop; stop it by hand`);
    }
    await sleep(50);
  }
}
