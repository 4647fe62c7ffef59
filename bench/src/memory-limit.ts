/**
 * A memory cgroup limited as a component's Kubernetes pod is by default, for the benchmark to run
 * the collector and loaders in. Node sizes V8's heap from the memory it is given: since Node 22 the
 * young generation too, so on a 24 GB machine without a limit Node 24's loader keeps ~100 MB more
 * of it than in its pod, and its RSS says little about the pod. Needs root and a memory controller
 * (cgroup v1 `memory`, or cgroup v2 with `memory` enabled); without them the child runs unlimited
 * and the results say so.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CollectorSpecSchema, LoaderSpecSchema, parseByteQuantity } from '@eventpipe/core';

/** The memory limit of each component's pod with the EventPipeline's default resources. */
export const POD_MEMORY_LIMIT: Readonly<Record<string, string>> = {
  collector: (CollectorSpecSchema.properties.resources.default as { limits: { memory: string } }).limits
    .memory,
  loader: (LoaderSpecSchema.properties.resources.default as { limits: { memory: string } }).limits.memory,
};

export interface MemoryCgroup {
  /** The file a process writes its pid into to join. */
  procs: string;
  /** The limit, as the pod spec writes it ("1Gi"). */
  limit: string;
  remove(): void;
}

const V1 = '/sys/fs/cgroup/memory';
const V2 = '/sys/fs/cgroup';

let created = 0;

/** A new cgroup limited to `limit` bytes, or undefined when this machine does not let us make one. */
export function memoryCgroup(limit: string): MemoryCgroup | undefined {
  const name = `eventpipe-bench-${process.pid}-${++created}`;
  const bytes = String(parseByteQuantity(limit));
  try {
    if (existsSync(join(V1, 'memory.limit_in_bytes'))) {
      const dir = join(V1, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'memory.limit_in_bytes'), bytes);
      return { procs: join(dir, 'cgroup.procs'), limit, remove: () => removeWhenEmpty(dir) };
    }
    if (readFileSync(join(V2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('memory')) {
      writeFileSync(join(V2, 'cgroup.subtree_control'), '+memory');
      const dir = join(V2, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'memory.max'), bytes);
      return { procs: join(dir, 'cgroup.procs'), limit, remove: () => removeWhenEmpty(dir) };
    }
  } catch {
    // not root, or a read-only cgroup file system: run unlimited
  }
  return undefined;
}

/** `command` run inside `cgroup`: a shell joins it, then becomes the command (same pid), so V8 starts inside the limit. */
export function inCgroup(cgroup: MemoryCgroup, command: readonly string[]): string[] {
  return ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', cgroup.procs, ...command];
}

/** A cgroup can be removed once its last process exited; a few tries cover the exit's last steps. */
function removeWhenEmpty(dir: string, tries = 20): void {
  try {
    rmdirSync(dir);
  } catch {
    if (tries > 0) setTimeout(() => removeWhenEmpty(dir, tries - 1), 50).unref();
  }
}
