// Re-derives every golden's <name>.truth.json from its committed <name>.log (no boot), in each kernel's
// folder (test/fixtures/bootlog/lab[/<kernel>]): used when the truth format or its reader changes.
// Usage: npx tsx scripts/lab/regen-truth.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { bootLabel, goldenBase } from '../lib/lab/board';
import { recordedBoots } from '../lib/lab/predict-judge';
import { parseTruthBlock } from '../lib/lab/truth';

for (const b of recordedBoots()) {
  const base = goldenBase(b);
  const block = parseTruthBlock(readFileSync(`${base}.log`).toString('latin1'));
  if (!block) throw new Error(`${base}.log: no truth block`);
  writeFileSync(`${base}.truth.json`, JSON.stringify({ scenario: b.scenario.name, ...block.truth }, null, 2) + '\n');
  console.log(bootLabel(b));
}
