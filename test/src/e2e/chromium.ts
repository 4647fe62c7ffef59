/**
 * Debian's Chromium as the browser tests drive it (playwright-core, no browser download). Without it
 * a browser test is skipped locally and fails under CI, which installs it (.ci/run).
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const chromiumMissing = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} not found: apt-get install chromium`;
// CI installs Chromium, so there a missing browser is a broken setup, not a reason to skip.
export const chromiumSkip =
  chromiumMissing !== undefined && process.env.CI !== 'true' ? chromiumMissing : false;
