/**
 * One `eventpipe dev` per data dir: a pid file created exclusively. A pid file whose process is gone
 * (the previous run was killed with -9) is stale and taken over, so a restart never needs manual
 * cleanup; a live one stops the second start with a message naming the pid.
 */
import { openSync, writeSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const lockPath = (dataDir: string) => join(dataDir, 'dev.pid');

/** A zombie has exited but was not reaped yet (in containers, PID 1 often never reaps orphans). */
function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: `pid (comm) state …`; comm may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Is `pid` a running process? (`kill 0` checks without signalling; EPERM means alive but not ours.) */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function readPid(path: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(path, 'utf8').trim().split('\n')[0] ?? '', 10);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface DevLock {
  release(): void;
  /** True when a stale pid file of a killed run was found and removed. */
  recoveredStale: boolean;
}

export function acquireDevLock(dataDir: string, pid = process.pid): DevLock {
  const path = lockPath(dataDir);
  let recoveredStale = false;
  // Two rounds: the second after removing a stale file; a live owner ends it with an error.
  for (let round = 0; round < 2; round++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return {
        recoveredStale,
        release: () => {
          if (readPid(path) === pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readPid(path);
    if (owner !== undefined && owner !== pid && isAlive(owner)) {
      throw new Error(
        `another "eventpipe dev" (pid ${owner}) is running on ${dataDir}; stop it or use another --data-dir`,
      );
    }
    rmSync(path, { force: true });
    recoveredStale = true;
  }
  throw new Error(`could not take the lock ${path}: another "eventpipe dev" is starting on ${dataDir}`);
}
