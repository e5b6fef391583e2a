// Re-derives test/fixtures/bootlog/lab/<name>.truth.json from the committed <name>.log (no boot):
// used when the truth format grows a field. Usage: npx tsx scripts/lab/regen-truth.ts
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir } from '../../test/lab/board';
import { parseTruthBlock } from '../../test/lab/truth';

const dir = join(labDir, '..', 'fixtures', 'bootlog', 'lab');
for (const f of readdirSync(dir).filter((n) => n.endsWith('.log'))) {
  const name = f.replace(/\.log$/, '');
  const block = parseTruthBlock(readFileSync(join(dir, f)).toString('latin1'));
  if (!block) throw new Error(`${f}: no truth block`);
  writeFileSync(join(dir, `${name}.truth.json`), JSON.stringify({ scenario: name, ...block.truth }, null, 2) + '\n');
  console.log(name);
}
