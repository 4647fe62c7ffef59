/** The benchmark's result format: every measurement beside the ceiling measured in the same run. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** What the hardware and dependencies allow for the same work, measured in the same run. */
  ceiling: { name: string; value: number } | null;
  /** value / ceiling (for rates; for ceilings that are limits, like RSS, limit / value is not used). */
  ratio: number | null;
  /** Target from the README, and whether this run met it. */
  target?: { text: string; met: boolean };
  notes?: string;
  /** The Node version the figure was measured under (process.version). */
  node?: string;
}

export function measurement(
  name: string,
  value: number,
  unit: string,
  ceiling: Measurement['ceiling'],
  extra: Pick<Measurement, 'target' | 'notes'> = {},
): Measurement {
  const ratio = ceiling && ceiling.value > 0 ? round(value / ceiling.value, 3) : null;
  return { name, value: round(value, 1), unit, ceiling, ratio, ...extra };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function toMarkdown(machine: object, results: Measurement[]): string {
  const lines = [
    '# eventpipe benchmark',
    '',
    '```json',
    JSON.stringify(machine, null, 2),
    '```',
    '',
    '| name | node | value | unit | ceiling | ceiling value | ratio | target | notes |',
    '| --- | --- | ---: | --- | --- | ---: | ---: | --- | --- |',
    ...results
      .map((r) =>
        [
          r.name,
          r.node ?? '',
          r.value,
          r.unit,
          r.ceiling?.name ?? '',
          r.ceiling?.value ?? '',
          r.ratio ?? '',
          r.target ? `${r.target.met ? 'met' : 'MISSED'}: ${r.target.text}` : '',
          r.notes ?? '',
        ].join(' | '),
      )
      .map((row) => `| ${row} |`),
    '',
  ];
  return lines.join('\n');
}

export function writeResults(
  dir: string,
  machine: object,
  results: Measurement[],
): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'latest.json');
  const md = join(dir, 'latest.md');
  writeFileSync(json, JSON.stringify({ machine, results }, null, 2) + '\n');
  writeFileSync(md, toMarkdown(machine, results));
  return { json, md };
}
