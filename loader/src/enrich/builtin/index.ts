/** The enrichments that ship with eventpipe, by the name a pipeline's configuration uses. */
import type { Enrichment } from '../types.js';
import { anonymizeIp } from './anonymize-ip.js';
import { campaign } from './campaign.js';
import { geoip } from './geoip.js';
import { referrer } from './referrer.js';
import { userAgent } from './user-agent.js';

// Each built-in has its own options schema; the registry only needs the common shape.
export const BUILTIN_ENRICHMENTS: ReadonlyMap<string, Enrichment> = new Map(
  ([userAgent, geoip, referrer, campaign, anonymizeIp] as Enrichment[]).map((e) => [e.name, e]),
);
