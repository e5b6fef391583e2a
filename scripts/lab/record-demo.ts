// Records the app's demo boot (resources/demo): boots the `demo` lab scenario on the real QEMU board
// and writes what the serial console printed at the pace it printed it, in util-linux script(1)
// classic format, so `scriptreplay --timing boot.timing boot.typescript` plays it back like the board.
// Usage: npx tsx scripts/lab/record-demo.ts [--out DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootScenario, labDir } from '../../test/lab/board';
import { scenarioByName } from '../../test/lab/scenarios/index';

const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const outDir = outArg >= 0 && args[outArg + 1] ? args[outArg + 1]! : join(labDir, '..', '..', 'resources', 'demo');
const scenario = scenarioByName('demo');
const startedAt = new Date();
const r = await bootScenario(scenario);
if (!r.truth || r.timedOut) {
  console.error(`demo boot did not finish (timed out: ${r.timedOut}); not writing a recording`);
  process.exit(1);
}
const missing = scenario.signatures.filter((sig) => !new RegExp(sig).test(r.console.toString('latin1')));
if (missing.length) {
  console.error(`demo boot lacks its signature lines: ${missing.join(' | ')}`);
  process.exit(1);
}
// script(1)'s classic typescript: a header line scriptreplay skips, the bytes, a trailer it never reaches.
const stamp = (d: Date): string => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '+00:00');
const header = `Script started on ${stamp(startedAt)} [COMMAND="${r.argv.join(' ').replace(/"/g, "'")}" COLUMNS="80" LINES="24"]\n`;
const trailer = `\nScript done on ${stamp(new Date(startedAt.getTime() + r.durationMs))} [COMMAND_EXIT_CODE="${r.exitCode ?? ''}"]\n`;
const timing: string[] = [];
let last = 0;
for (const c of r.chunks) {
  timing.push(`${((c.t - last) / 1000).toFixed(6)} ${c.bytes.length}`);
  last = c.t;
}
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'boot.typescript'), Buffer.concat([Buffer.from(header), r.console, Buffer.from(trailer)]));
writeFileSync(join(outDir, 'boot.timing'), timing.join('\n') + '\n');
console.log(
  `wrote ${join(outDir, 'boot.typescript')} (${r.console.length} bytes in ${r.chunks.length} chunks over ${(last / 1000).toFixed(1)} s) and boot.timing`,
);
console.log(`qemu: ${r.argv.join(' ')}`);
