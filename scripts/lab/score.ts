// Scores the probe model against every recorded lab boot (scripts/lib/lab/predict-judge.ts) and prints the
// table; with --write, rewrites the table in test/lab/README.md and the KNOWN_WRONG table in
// test/lab/known-wrong.ts from what is wrong today (the model's engineer runs this after a fix, and
// the diff shows which devices came right). Usage: npx tsx scripts/lab/score.ts [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir } from '../lib/lab/board';
import { judgePrediction, README_BEGIN, README_END, recordedBoots, scoreTable } from '../lib/lab/predict-judge';

const verdicts = recordedBoots().map(judgePrediction);
const table = scoreTable(verdicts);
console.log(table);
if (process.argv.includes('--write')) {
  const readme = join(labDir, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const a = text.indexOf(README_BEGIN);
  const b = text.indexOf(README_END);
  if (a < 0 || b < a) throw new Error(`${readme}: no ${README_BEGIN} ... ${README_END} section`);
  writeFileSync(readme, `${text.slice(0, a + README_BEGIN.length)}\n${table}\n${text.slice(b)}`);
  const clip = (s: string): string => (s.length > 220 ? `${s.slice(0, 217)}...` : s);
  const lines = [
    '// KNOWN_WRONG: the devices (per lab boot) the probe model predicts wrong today, each with what differs.',
    '// predict-vs-kernel.test.ts fails when a device is wrong that is not listed here, and when a listed one',
    '// has come right, so this list can only shrink. Regenerate with `npx tsx scripts/lab/score.ts --write`',
    '// after a model change, and read the diff: only removals are progress.',
    '',
    'export const KNOWN_WRONG: Record<string, Record<string, string>> = {',
  ];
  for (const v of verdicts) {
    if (v.wrong.size === 0) continue;
    lines.push(`  ${JSON.stringify(v.label)}: {`);
    for (const [dev, why] of [...v.wrong].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) lines.push(`    ${JSON.stringify(dev)}: ${JSON.stringify(clip(why))},`);
    lines.push('  },');
  }
  lines.push('};', '');
  writeFileSync(join(labDir, 'known-wrong.ts'), lines.join('\n'));
  console.log(`wrote ${readme} and ${join(labDir, 'known-wrong.ts')}`);
}
