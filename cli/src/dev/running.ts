/**
 * How the commands that talk to the pipeline (`send`, `replay`) find a running `eventpipe dev`: its
 * data dir holds the settings it runs with (`state.json`) and its live pid (`dev.pid`). A command takes
 * them as defaults under its own EVENTPIPE_* variables and says which it used, or why it found none.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '@eventpipe/core';
import { isAlive, lockPath } from './lock.js';
import { readDevState, type DevState } from './state.js';

/** What a running dev tells other commands: where its servers are, and the enrichments it loads with. */
export interface DevSettings {
  nats: Pick<Config['nats'], 'url'>;
  s3: Pick<Config['s3'], 'endpoint' | 'forcePathStyle' | 'bucket' | 'accessKeyId' | 'secretAccessKey'>;
  warehouse: Pick<Config['warehouse'], 'kind' | 'url'>;
  loader: Pick<Config['loader'], 'enrichments'>;
}

export type RunningDev =
  | { found: true; dataDir: string; pid: number; state: DevState & { settings: DevSettings } }
  | { found: false; dataDir: string; reason: string };

function livePid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockPath(dataDir), 'utf8'), 10);
    return isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function findRunningDev(dataDir: string): RunningDev {
  const state = readDevState(dataDir);
  if (!state) return { found: false, dataDir, reason: `no "eventpipe dev" data in ${dataDir}` };
  const pid = livePid(dataDir);
  if (pid === undefined) {
    return { found: false, dataDir, reason: `the "eventpipe dev" of ${dataDir} is not running` };
  }
  if (!state.settings) {
    return {
      found: false,
      dataDir,
      reason: `the "eventpipe dev" of ${dataDir} (pid ${pid}) is too old to say its settings; restart it`,
    };
  }
  return { found: true, dataDir, pid, state: { ...state, settings: state.settings } };
}

/** Names of the EVENTPIPE_* variables set in `env` (never their values: some are secret). */
export function eventpipeVariablesSet(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('EVENTPIPE_') && env[name] !== '')
    .sort();
}
