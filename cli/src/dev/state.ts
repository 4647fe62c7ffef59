/**
 * What `eventpipe dev` remembers in its data dir between runs (`state.json`): the demo source's write
 * key, generated once, and the loopback ports its servers got at first start, so a restart finds the
 * same URLs when they are still free. Written atomically (temp file + rename) so a kill -9 mid-write
 * never leaves a half file.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevSettings } from './running.js';

export const DEMO_SOURCE_ID = 'demo';

export interface DevPorts {
  nats: number;
  postgres: number;
  s3: number;
  console: number;
}

export interface DevState {
  sourceId: string;
  writeKey: string;
  /** The console's admin token, generated once like the write key (older data dirs get one at start). */
  consoleToken?: string;
  ports?: DevPorts;
  /** The collector URL of the last start, read by `eventpipe send` to find it. */
  collectorUrl?: string;
  /** The servers and enrichments of the last start, read by `eventpipe replay` (see running.ts). */
  settings?: DevSettings;
}

export const statePath = (dataDir: string) => join(dataDir, 'state.json');

/** The remembered state, or undefined when the data dir has none (first start, or no dev there). */
export function readDevState(dataDir: string): DevState | undefined {
  let text: string;
  try {
    text = readFileSync(statePath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as DevState;
  } catch (error) {
    throw new Error(
      `${statePath(dataDir)} is not valid JSON (${(error as Error).message}); delete it to reset`,
    );
  }
}

export function writeDevState(dataDir: string, state: DevState): void {
  const path = statePath(dataDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** A fresh demo source: random write key, long enough for the config's minimum. */
export function newDevState(): DevState {
  return {
    sourceId: DEMO_SOURCE_ID,
    writeKey: `dev_${randomBytes(16).toString('hex')}`,
    consoleToken: newConsoleToken(),
  };
}

export function newConsoleToken(): string {
  return `console_${randomBytes(24).toString('base64url')}`;
}
