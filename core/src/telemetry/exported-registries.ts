/**
 * The Prometheus registries of this process that are also pushed over OTLP when configured (see
 * prometheus-bridge.ts). A module of its own, without the SDK, so registering costs nothing when
 * OTLP metrics are off.
 */
import type { Registry } from 'prom-client';

const exported = new Set<Registry>();

/** Adds a registry to the OTLP push; the returned function removes it (on close). */
export function exportRegistry(registry: Registry): () => void {
  exported.add(registry);
  return () => exported.delete(registry);
}

export function exportedRegistries(): Iterable<Registry> {
  return exported;
}
