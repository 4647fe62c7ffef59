/**
 * `--node a,b`: the whole benchmark once per Node binary (e.g. the machine's Node 20 and the Node 24
 * that CI and the image run), each in a process of its own, the results side by side with the Node
 * version that produced each figure. Ratios compare within one runtime's run: the ceilings are
 * measured again under each.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './results.js';

const mainScript = fileURLToPath(new URL('./main.js', import.meta.url));

/** `args` without the options this wrapper sets for each run itself (`--node`, `--out`). */
export function argsForOneRun(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--node' || arg === '--out') i++;
    else if (!arg.startsWith('--node=') && !arg.startsWith('--out=')) kept.push(arg);
  }
  return kept;
}

export async function runOncePerNode(
  binaries: readonly string[],
  args: readonly string[],
): Promise<{ machine: Record<string, unknown>; results: Measurement[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'eventpipe-bench-'));
  try {
    const machines: Record<string, unknown>[] = [];
    const results: Measurement[] = [];
    for (const [index, binary] of binaries.entries()) {
      const out = join(dir, String(index));
      console.error(`[bench] running under ${binary}`);
      const child = spawn(binary, [mainScript, ...argsForOneRun(args), '--out', out], { stdio: 'inherit' });
      const [code] = (await once(child, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`the benchmark under ${binary} exited with code ${code}`);
      const run = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as {
        machine: Record<string, unknown>;
        results: Measurement[];
      };
      machines.push(run.machine);
      results.push(...run.results);
    }
    return { machine: { ...machines[0], node: machines.map((m) => m.node).join(', ') }, results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
