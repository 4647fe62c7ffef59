/**
 * Debian's Chromium as the browser tests drive it (playwright-core, no browser download). Without it
 * a browser test is skipped locally and fails under CI, which installs it (.ci/run).
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
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

/**
 * Debian's Chromium, headless, with a fresh profile in `profileDir` (the caller removes it): a
 * persistent context, so the browser starts with one window and no stray first-run state.
 */
export function launchChromium(
  profileDir: string,
  options: Omit<BrowserContextOptions, 'headless'> = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    ...options,
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
  });
}
