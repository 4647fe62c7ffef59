/**
 * `user-agent`: browser, OS, device and bot flag parsed from the User-Agent with bowser (MIT).
 * Parsing is the costly part and a site sees few distinct User-Agents, so results are cached (LRU).
 */
import Bowser from 'bowser';
import { Type } from '@sinclair/typebox';
import type { Enrichment } from '../types.js';
import { clientUserAgent } from '../event-fields.js';
import { LruCache } from '../lru.js';

const PREFIX = 'context_user_agent_';

/**
 * Only this much of a User-Agent is parsed (and used as the cache key). Real ones are a few hundred
 * characters, in-app browsers under 1 KB; the collector lets far longer ones through, and some of
 * bowser's patterns and ours backtrack quadratically on crafted input (48 KB took ≈ 300 ms), so an
 * uncapped parse would let one request stall a loader and fill the cache with huge keys.
 */
export const MAX_PARSED_USER_AGENT_LENGTH = 1024;

/**
 * Crawlers bowser does not name yet. A bot UA nearly always carries `SomethingBot/1.0` (or `;`, `)`,
 * `-` after it: not a space, which phone brands like CUBOT have) or a crawler/spider word; HTTP
 * libraries identify themselves by their own name at the start.
 */
const BOT_PATTERN =
  /bot[/;)-]|bot$|crawler|spider|headlesschrome|facebookexternalhit|bingpreview|lighthouse|^(curl|wget|python-requests|python-urllib|go-http-client|java|okhttp|axios|node-fetch|libwww-perl|apache-httpclient)\//i;

/**
 * The model token of an Android UA (`Android 14; SM-S918B Build/…)`, a locale may come first), which bowser leaves out for
 * most brands. Chrome's reduced UA sends the placeholder `K` instead of a model: that is no model.
 */
const ANDROID_MODEL = /Android [^;)]*; (?:[A-Za-z]{2}[-_][A-Za-z]{2}; )?([^;)]+?)(?: Build\/[^;)]*)?[;)]/;
const NOT_A_MODEL = new Set(['K', 'Mobile', 'Tablet', 'wv', 'Linux', 'U']);

function androidModel(userAgent: string): string | undefined {
  const model = ANDROID_MODEL.exec(userAgent)?.[1]?.trim();
  return model === undefined || NOT_A_MODEL.has(model) ? undefined : model;
}

const options = Type.Object(
  {
    /** Distinct User-Agents kept parsed; 0 turns the cache off. */
    cacheSize: Type.Integer({ minimum: 0, default: 10_000 }),
  },
  { additionalProperties: false },
);

function put(fields: Record<string, unknown>, name: string, value: string | undefined): void {
  if (value !== undefined && value !== '') fields[PREFIX + name] = value;
}

/** The columns for one User-Agent string (pure; exported for the tests and the docs' table). */
export function parseUserAgent(fullUserAgent: string): Record<string, unknown> {
  const userAgent = fullUserAgent.slice(0, MAX_PARSED_USER_AGENT_LENGTH);
  const { browser, os, platform, engine } = Bowser.parse(userAgent);
  const fields: Record<string, unknown> = {};
  put(fields, 'browser_name', browser.name);
  put(fields, 'browser_version', browser.version);
  put(fields, 'engine_name', engine.name);
  put(fields, 'os_name', os.name);
  put(fields, 'os_version', os.version);
  put(fields, 'device_type', platform.type);
  put(fields, 'device_vendor', platform.vendor);
  put(
    fields,
    'device_model',
    platform.model ?? (os.name === 'Android' ? androidModel(userAgent) : undefined),
  );
  fields[`${PREFIX}is_bot`] = platform.type === 'bot' || BOT_PATTERN.test(userAgent);
  return fields;
}

export const userAgent: Enrichment<typeof options> = {
  name: 'user-agent',
  options,
  create({ cacheSize }) {
    const cache = new LruCache<string, Record<string, unknown>>(cacheSize);
    return (envelope) => {
      const ua = clientUserAgent(envelope)?.slice(0, MAX_PARSED_USER_AGENT_LENGTH);
      // The runner copies returned fields into the event's own record, so sharing the cached object is safe.
      return ua === undefined ? undefined : cache.getOrCompute(ua, parseUserAgent);
    };
  },
};
