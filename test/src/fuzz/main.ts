/**
 * `npm run fuzz -- [--seconds 60] [--target request|transform] [--save] [--seed N]`: runs each
 * target (default: all) for the given time from its committed corpus in fuzz/corpus/<target>/, and
 * exits 1 on the first crash or hang, written to fuzz/findings/. `--save` writes the inputs that found
 * new coverage to fuzz/new/<target>/ (to pick small ones from for the committed corpus).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzz } from './engine.js';
import { TARGETS } from './targets.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: process.env.FUZZ_SECONDS ?? '60' },
    target: { type: 'string', multiple: true },
    save: { type: 'boolean', default: false },
    seed: { type: 'string' },
    root: { type: 'string', default: resolve(import.meta.dirname, '../../../fuzz') },
  },
});

const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
const names = values.target ?? Object.keys(TARGETS);
for (const name of names)
  if (!TARGETS[name]) throw new Error(`unknown target ${name}: ${Object.keys(TARGETS).join(', ')}`);

let failed = false;
for (const name of names) {
  const report = await fuzz(TARGETS[name]!(), {
    seconds,
    corpusDir: join(values.root, 'corpus', name),
    findingsDir: join(values.root, 'findings'),
    ...(values.save && { saveDir: join(values.root, 'new', name) }),
    ...(values.seed !== undefined && { seed: Number(values.seed) }),
  });
  console.log(
    `${name}: ${report.executions} executions in ${report.seconds} s, corpus ${report.corpus}, features ${report.features}, ${report.finding ? `CRASH (${report.finding.file})` : 'no crash'}`,
  );
  if (report.finding) failed = true;
}
process.exit(failed ? 1 : 0);
