/**
 * A bounded least-recently-used cache on a `Map` (which iterates in insertion order, so the first key
 * is the least recently used one once every hit re-inserts its key).
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached value, computing and remembering it on a miss. */
  getOrCompute(key: K, compute: (key: K) => V): V {
    const entries = this.entries;
    if (entries.has(key)) {
      const hit = entries.get(key) as V;
      entries.delete(key);
      entries.set(key, hit);
      return hit;
    }
    const value = compute(key);
    if (this.capacity <= 0) return value;
    if (entries.size >= this.capacity) entries.delete(entries.keys().next().value as K);
    entries.set(key, value);
    return value;
  }
}
