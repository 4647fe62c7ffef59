/**
 * `campaign`: `utm_*` parameters and ad-platform click ids from the page URL into the
 * `context_campaign_*` columns Segment's analytics.js fills, for clients that do not (servers,
 * mobile web views, other SDKs). A field the client sent in `context.campaign` is never replaced.
 */
import { Type } from '@sinclair/typebox';
import type { Envelope } from '@eventpipe/core';
import type { Enrichment } from '../types.js';
import { contextValue, pageField, parseUrl } from '../event-fields.js';

const PREFIX = 'context_campaign_';

/** Click ids of the common ad platforms (each identifies the click that brought the visit). */
export const CLICK_IDS = [
  'gclid', // Google Ads
  'gbraid', // Google Ads (iOS app campaigns)
  'wbraid', // Google Ads (iOS web campaigns)
  'dclid', // Google Display & Video 360
  'fbclid', // Meta
  'msclkid', // Microsoft Advertising
  'ttclid', // TikTok
  'twclid', // X / Twitter
  'li_fat_id', // LinkedIn
  'rdt_cid', // Reddit
  'sccid', // Snapchat
  'epik', // Pinterest
  'yclid', // Yandex
  'irclickid', // impact.com
  'mc_cid', // Mailchimp campaign
] as const;

const options = Type.Object(
  {
    /** Extra click-id parameters to capture as `context_campaign_<name>`. */
    clickIds: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_]+$' }), { default: [] }),
  },
  { additionalProperties: false },
);

/** Compares a client's campaign key with ours: `utm_source`, `utmSource` and `utm-source` are one. */
function keyOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Keys of what the client already sent in `context.campaign`. */
function clientCampaignKeys(envelope: Envelope): Set<string> {
  const sent = contextValue(envelope, ['campaign']);
  const keys = new Set<string>();
  if (typeof sent === 'object' && sent !== null) {
    for (const [key, value] of Object.entries(sent))
      if (value !== null && value !== undefined) keys.add(keyOf(key));
  }
  return keys;
}

/**
 * The campaign fields in a query string (pure). Like analytics.js, every `utm_<x>` becomes
 * `<x>` and `utm_campaign` becomes `name`; the first non-empty value of a repeated parameter wins.
 */
export function campaignFromQuery(
  params: URLSearchParams,
  clickIds: ReadonlySet<string>,
): Map<string, string> {
  const found = new Map<string, string>();
  for (const [rawName, rawValue] of params) {
    const name = rawName.toLowerCase();
    const value = rawValue.trim();
    if (value === '') continue;
    let field: string | undefined;
    if (name.startsWith('utm_') && /^utm_[a-z0-9_]+$/.test(name)) {
      field = name === 'utm_campaign' ? 'name' : name.slice(4);
    } else if (clickIds.has(name)) {
      field = name;
    }
    if (field !== undefined && !found.has(field)) found.set(field, value);
  }
  return found;
}

export const campaign: Enrichment<typeof options> = {
  name: 'campaign',
  options,
  create({ clickIds }) {
    const ids = new Set<string>([...CLICK_IDS, ...clickIds.map((id) => id.toLowerCase())]);
    return (envelope) => {
      const url = parseUrl(pageField(envelope, 'url'));
      const search = url?.search ?? pageField(envelope, 'search');
      if (search === undefined || search === '') return undefined;
      const found = campaignFromQuery(new URLSearchParams(search), ids);
      if (found.size === 0) return undefined;
      const sent = clientCampaignKeys(envelope);
      const fields: Record<string, unknown> = {};
      for (const [field, value] of found) {
        if (!sent.has(keyOf(field))) fields[PREFIX + field] = value;
      }
      return fields;
    };
  },
};
