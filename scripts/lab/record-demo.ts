// Records the app's demo boot (resources/demo): boots the `demo` lab scenario on the real QEMU board
// and writes what the serial console printed at the pace it printed it, in util-linux script(1)
// classic format, so `scriptreplay --timing boot.timing boot.typescript` plays it back like the board.
// The lab /init's instrumentation (its `LAB:` lines and the @@LAB-TRUTH-BEGIN@@…END@@ block) is not
// what a board prints: it is cut from the recording, and the truth it carries goes to a file of its own
// (test/fixtures/demo/boot.truth.json) for the tests that check the demo against it.
// Usage: npx tsx scripts/lab/record-demo.ts [--out DIR] [--truth FILE]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bootScenario, labDir, type ConsoleChunk } from '../lib/lab/board';
import { scenarioByName } from '../lib/lab/scenarios/index';
import { TRUTH_BEGIN, TRUTH_END } from '../lib/lab/truth';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const repo = join(labDir, '..', '..');
const outDir = flag('--out') ?? join(repo, 'resources', 'demo');
const truthFile = flag('--truth') ?? join(repo, 'test', 'fixtures', 'demo', 'boot.truth.json');

/** Byte ranges [start, end) of the lab's lines: every `LAB:` line and the whole truth block, line ends included. */
function instrumentationRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  let inTruth = false;
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(at, end).replace(/^\r+/, '');
    const lab = line.startsWith('LAB:') || line.startsWith(TRUTH_BEGIN) || inTruth;
    if (line.startsWith(TRUTH_BEGIN)) inTruth = true;
    if (line.startsWith(TRUTH_END)) inTruth = false;
    if (lab) {
      const last = ranges[ranges.length - 1];
      if (last && last[1] === at) last[1] = end;
      else ranges.push([at, end]);
    }
    at = end;
  }
  return ranges;
}

/**
 * The console without those ranges, and its chunks with the same bytes cut: each chunk keeps its arrival
 * time; a chunk left empty is dropped (its delay goes to the next, as the next byte did arrive then).
 */
function cut(console: Buffer, chunks: readonly ConsoleChunk[], ranges: readonly [number, number][]): { console: Buffer; chunks: ConsoleChunk[] } {
  const keep = (from: number, to: number): Buffer => {
    const parts: Buffer[] = [];
    let at = from;
    for (const [s, e] of ranges) {
      if (e <= at || s >= to) continue;
      if (s > at) parts.push(console.subarray(at, s));
      at = Math.max(at, e);
    }
    if (at < to) parts.push(console.subarray(at, to));
    return Buffer.concat(parts);
  };
  const out: ConsoleChunk[] = [];
  let offset = 0;
  for (const c of chunks) {
    const bytes = keep(offset, offset + c.bytes.length);
    offset += c.bytes.length;
    if (bytes.length) out.push({ t: c.t, bytes });
  }
  return { console: Buffer.concat(out.map((c) => c.bytes)), chunks: out };
}

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
const clean = cut(r.console, r.chunks, instrumentationRanges(r.console.toString('latin1')));
if (/LAB:|@@LAB-/.test(clean.console.toString('latin1'))) {
  console.error('the lab instrumentation is still in the recording; not writing it');
  process.exit(1);
}
// script(1)'s classic typescript: a header line scriptreplay skips, the bytes, a trailer it never reaches.
const stamp = (d: Date): string => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '+00:00');
const header = `Script started on ${stamp(startedAt)} [COMMAND="${r.argv.join(' ').replace(/"/g, "'")}" COLUMNS="80" LINES="24"]\n`;
const trailer = `\nScript done on ${stamp(new Date(startedAt.getTime() + r.durationMs))} [COMMAND_EXIT_CODE="${r.exitCode ?? ''}"]\n`;
const timing: string[] = [];
let last = 0;
for (const c of clean.chunks) {
  timing.push(`${((c.t - last) / 1000).toFixed(6)} ${c.bytes.length}`);
  last = c.t;
}
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'boot.typescript'), Buffer.concat([Buffer.from(header), clean.console, Buffer.from(trailer)]));
writeFileSync(join(outDir, 'boot.timing'), timing.join('\n') + '\n');
mkdirSync(dirname(truthFile), { recursive: true });
writeFileSync(truthFile, JSON.stringify({ recordedAt: stamp(startedAt), argv: r.argv, truth: r.truth }, null, 1) + '\n');
console.log(
  `wrote ${join(outDir, 'boot.typescript')} (${clean.console.length} bytes in ${clean.chunks.length} chunks over ${(last / 1000).toFixed(1)} s; ${r.console.length - clean.console.length} bytes of lab lines cut), boot.timing and ${truthFile}`,
);
console.log(`qemu: ${r.argv.join(' ')}`);
