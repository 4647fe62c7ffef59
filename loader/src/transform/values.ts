/**
 * Small value helpers shared by the transform and schema-planning steps (pure).
 */

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Object.keys(object).length > 0` without allocating the array of keys. */
export function hasOwnKeys(object: Record<string, unknown>): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}

/**
 * Sets an own property even when the key is `__proto__` (JSON.parse makes such keys own properties;
 * plain assignment would change the object's prototype instead and lose the value).
 */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

/** UTF-8 length of a string: what Redshift's VARCHAR(n) limit counts. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Removes NUL characters from every string in `value`, object keys included: PostgreSQL cannot store
 * U+0000 in text nor in jsonb, so one such character would otherwise fail the whole batch. The rest
 * of the string is kept. Returns the same reference when nothing changed (the common case).
 */
export function stripNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\0') ? value.replaceAll('\0', '') : value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const cleaned = stripNul(item);
      if (cleaned !== item) changed = true;
      return cleaned;
    });
    return changed ? out : value;
  }
  if (isPlainObject(value)) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const cleanKey = stripNul(key) as string;
      const cleaned = stripNul(item);
      if (cleanKey !== key || cleaned !== item) changed = true;
      setOwn(out, cleanKey, cleaned);
    }
    return changed ? out : value;
  }
  return value;
}

/** The text a text column stores for a value: strings as they are, other values as JSON text. */
export function toText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
