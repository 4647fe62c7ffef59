import { cpus, totalmem, platform, release } from 'node:os';
import { execFileSync } from 'node:child_process';
import { natsServerBinary } from '@eventpipe/local';

function versionOf(binary: string, args: string[]): string {
  try {
    return execFileSync(binary, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** What the numbers were measured on: results from different machines are not comparable. */
export function describeMachine(postgresBinDir?: string): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    natsServer: versionOf(natsServerBinary(), ['--version']),
    postgres: postgresBinDir ? versionOf(`${postgresBinDir}/postgres`, ['--version']) : undefined,
    date: new Date().toISOString(),
  };
}
