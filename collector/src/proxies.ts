/**
 * `collector.trustedProxies`: the peers whose X-Forwarded-For is believed. fastify (proxy-addr)
 * applies them; this checks them first, so a typo stops start-up with the variable's name instead of
 * proxy-addr's bare "invalid IP address".
 */
import { isIP } from 'node:net';
import { ConfigError, envName } from '@eventpipe/core';

/** proxy-addr's names for well-known ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function isProxyEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', mask, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (mask === undefined) return true;
  if (/^\d{1,3}$/.test(mask)) return Number(mask) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(mask) === 4; // 10.0.0.0/255.0.0.0
}

/** The entries for fastify's `trustProxy`, or false when none are configured. */
export function trustedProxies(entries: readonly string[]): string[] | false {
  const bad = entries.find((entry) => !isProxyEntry(entry));
  if (bad !== undefined) {
    throw new ConfigError(
      `${envName(['collector', 'trustedProxies'])}: "${bad}" is not an IP address, a CIDR range, or one of ${[...NAMED_RANGES].join(', ')}`,
    );
  }
  return entries.length > 0 ? [...entries] : false;
}
