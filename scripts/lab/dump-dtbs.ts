// Writes test/fixtures/bootlog/lab[/<kernel>]/<name>.dtb for every recorded lab boot: the tree QEMU
// handed the kernel, dumped with the boot's own arguments (board.ts dumpBootDtb, `-M <board>,dumpdtb=`).
// The prediction is judged from these (no QEMU needed then). Usage: npx tsx scripts/lab/dump-dtbs.ts [--missing]
import { existsSync, writeFileSync } from 'node:fs';
import { bootLabel, dumpBootDtb, goldenBase } from '../lib/lab/board';
import { recordedBoots } from '../lib/lab/predict-judge';

const onlyMissing = process.argv.includes('--missing');
for (const b of recordedBoots()) {
  const out = `${goldenBase(b)}.dtb`;
  if (onlyMissing && existsSync(out)) continue;
  const dtb = dumpBootDtb(b.scenario, { kernel: b.kernel });
  writeFileSync(out, dtb);
  console.log(`${bootLabel(b)}: ${out} (${dtb.length} bytes)`);
}
