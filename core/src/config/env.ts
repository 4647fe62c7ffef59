/**
 * Loads the configuration from environment variables, named after their path in the schema:
 * `nats.url` → `EVENTPIPE_NATS_URL`, `collector.maxEventBytes` → `EVENTPIPE_COLLECTOR_MAX_EVENT_BYTES`.
 * A bad value stops start-up with an error naming the variable.
 */
import { Kind, type TSchema, type TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config, type Source } from './schema.js';
import { holdsSecret, redactAt } from './secrets.js';

export const ENV_PREFIX = 'EVENTPIPE';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

export function envName(path: readonly string[]): string {
  return [ENV_PREFIX, ...path.map(snake)].join('_');
}

/** Every leaf setting with its env var name, for `--help` texts and docs. */
export function listSettings(
  schema: TObject = ConfigSchema,
  path: string[] = [],
): { env: string; path: string; schema: TSchema }[] {
  return Object.entries(schema.properties).flatMap(([key, child]) => {
    const childPath = [...path, key];
    if (child[Kind] === 'Object' && key !== 'sources') return listSettings(child as TObject, childPath);
    return [{ env: envName(childPath), path: childPath.join('.'), schema: child }];
  });
}

/** How a message shows a raw value: quoted, or not at all for a setting that holds secrets. */
function shown(raw: string, secret: boolean): string {
  return secret ? 'the value (not shown: it holds secrets)' : `"${raw}"`;
}

/** `web:key1,app:key2` (several keys per source allowed) or a JSON array. Write keys are secret. */
function parseSources(raw: string, variable: string): Source[] {
  const text = raw.trim();
  if (text.startsWith('[')) return parseJson(text, variable, true) as Source[];
  const byId = new Map<string, string[]>();
  const pairs = text.split(',').filter((p) => p.trim());
  for (const [index, pair] of pairs.entries()) {
    const at = pair.indexOf(':');
    if (at <= 0) {
      throw new ConfigError(
        `${variable}: entry ${index + 1} of ${pairs.length} is not "sourceId:writeKey" (not shown: it may be a write key)`,
      );
    }
    const id = pair.slice(0, at).trim();
    byId.set(id, [...(byId.get(id) ?? []), pair.slice(at + 1).trim()]);
  }
  return [...byId].map(([id, writeKeys]) => ({ id, writeKeys }));
}

/**
 * JSON.parse's message quotes the text around the fault, so for a setting that holds secrets only
 * the position is kept.
 */
function parseJson(text: string, variable: string, secret: boolean): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const detail = !secret ? ` (${message})` : position !== undefined ? ` (at character ${position})` : '';
    throw new ConfigError(`${variable}: not valid JSON${detail}`);
  }
}

function parseValue(raw: string, schema: TSchema, variable: string): unknown {
  const kind = schema[Kind];
  const secret = holdsSecret(schema);
  if (kind === 'Integer' || kind === 'Number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n))
      throw new ConfigError(`${variable}: ${shown(raw, secret)} is not a number`);
    return n;
  }
  if (kind === 'Boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`${variable}: ${shown(raw, secret)} is not a boolean (true/false)`);
  }
  if (kind === 'Array') {
    const text = raw.trim();
    if (text.startsWith('[')) return parseJson(text, variable, secret);
    return text === '' ? [] : text.split(',').map((s) => s.trim());
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Builds the config: defaults, then `overrides` (a partial config, e.g. from `eventpipe dev`), then
 * environment variables. Throws ConfigError naming the variable or setting at fault.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: object = {}): Config {
  const input: Record<string, unknown> = structuredClone(overrides) as Record<string, unknown>;
  for (const setting of listSettings()) {
    const raw = env[setting.env];
    if (raw === undefined) continue;
    const value =
      setting.path === 'sources'
        ? parseSources(raw, setting.env)
        : parseValue(raw, setting.schema, setting.env);
    setPath(input, setting.path.split('.'), value);
  }
  const config = Value.Default(ConfigSchema, input) as Config;
  const errors = [...Value.Errors(ConfigSchema, config)];
  if (errors.length > 0) {
    const first = errors[0]!;
    const path = first.path.split('/').filter(Boolean);
    const variable = path[0] === 'sources' ? envName(['sources']) : envName(path);
    const value = redactAt(ConfigSchema, path, first.value);
    throw new ConfigError(`${variable} (${path.join('.')}): ${first.message}, got ${JSON.stringify(value)}`);
  }
  assertUniqueWriteKeys(config.sources);
  return config;
}

function assertUniqueWriteKeys(sources: Source[]): void {
  const seen = new Map<string, string>();
  for (const source of sources) {
    for (const key of source.writeKeys) {
      const other = seen.get(key);
      if (other !== undefined) {
        throw new ConfigError(
          `${envName(['sources'])}: a write key is shared by sources ${other} and ${source.id}`,
        );
      }
      seen.set(key, source.id);
    }
  }
}

/** For settings a component cannot start without; names the variable to set. */
export function requireSetting<T>(value: T | undefined, path: string[], why: string): T {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    throw new ConfigError(`${envName(path)} is required: ${why}`);
  }
  return value;
}
