// Device-tree compiler speed and memory over the whole Debian arm64 corpus, against the reference
// `cpp | dtc` (and fdtoverlay) measured in the same run. Prints times, ratios and peak memory.
// Three ways of running ours: one `bringup dt` process per board (what a Makefile would do), one
// `bringup dt` process for the whole corpus (batch), and the engine in-process (what the app does).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { corpusBoards, includePrefixes, type CorpusBoard } from '../scripts/lib/corpus/corpus';
import { createPreprocessCache } from '../engine/devicetree';
import { compileBoard } from '../scripts/lib/corpus/compile';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const bringup = join(root, 'bin', 'bringup.mjs');
const boards = corpusBoards();
const tmp = mkdtempSync(join(tmpdir(), 'bringup-bench-'));

/** Runs a shell command under GNU time; returns wall ms and peak RSS (KiB) of the whole pipeline. */
function timed(cmd: string): { ms: number; kib: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'sh', '-c', cmd], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`failed: ${cmd}\n${r.stderr}`);
  const kib = Number(r.stderr.trim().split('\n').pop());
  return { ms, kib };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function referenceCommand(b: CorpusBoard): string {
  const parts = b.steps.map((s, i) => {
    const out = join(tmp, `ref-${i}.${i === 0 ? 'dtb' : 'dtbo'}`);
    return (
      `cpp -nostdinc -I ${q(includePrefixes)} -undef -D__DTS__ -x assembler-with-cpp ${q(s.source)} | ` +
      `dtc -q -I dts -O dtb -b 0 -i ${q(dirname(s.source))} -i ${q(includePrefixes)} ${s.symbols ? '-@' : ''} -o ${q(out)} -`
    );
  });
  if (b.composite) {
    const files = b.steps.map((_, i) => join(tmp, `ref-${i}.${i === 0 ? 'dtb' : 'dtbo'}`));
    parts.push(`fdtoverlay -o ${q(join(tmp, 'ref.dtb'))} -i ${files.map(q).join(' ')}`);
  }
  return parts.join(' && ');
}

/** `bringup dt` arguments for a board, as Kbuild would compile it (composites: -a applies the overlays). */
function oursArgs(b: CorpusBoard, out: string): string {
  const [base, ...overlays] = b.steps;
  const dirs = [...new Set(b.steps.map((s) => dirname(s.source)))].map((d) => `-I ${q(d)}`).join(' ');
  const symbols = base!.symbols ? '-@' : '';
  return `${q(base!.source)} ${dirs} -I ${q(includePrefixes)} ${symbols} -b 0 ${overlays.map((o) => `-a ${q(o.source)}`).join(' ')} -O dtb -o ${q(out)}`;
}

function oursCommand(b: CorpusBoard): string {
  return `node ${q(bringup)} dt ${oursArgs(b, join(tmp, 'ours.dtb'))}`;
}

function runAll(label: string, command: (b: CorpusBoard) => string) {
  let ms = 0;
  let kib = 0;
  for (const b of boards) {
    const r = timed(command(b));
    ms += r.ms;
    kib = Math.max(kib, r.kib);
  }
  console.log(`${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s   peak ${(kib / 1024).toFixed(1).padStart(6)} MiB`);
  return ms;
}

console.log(`corpus: ${boards.length} Debian arm64 DTBs (${boards.filter((b) => b.composite).length} composites)`);
spawnSync('node', [bringup, '--help'], { stdio: 'ignore' }); // build the CLI bundle outside the timings

const refMs = runAll('cpp | dtc (reference), per board', referenceCommand);
const perMs = runAll('bringup dt, one process per board', oursCommand);

// Batch: one `bringup dt --batch` process for the whole corpus (one Node start-up, shared header cache).
const batchFile = join(tmp, 'batch.txt');
writeFileSync(batchFile, boards.map((b, i) => oursArgs(b, join(tmp, `batch-${i % 8}.dtb`))).join('\n') + '\n');
const batch = timed(`node ${q(bringup)} dt --batch ${q(batchFile)}`);
console.log(`${'bringup dt --batch, whole corpus'.padEnd(34)} ${(batch.ms / 1000).toFixed(2).padStart(7)} s   peak ${(batch.kib / 1024).toFixed(1).padStart(6)} MiB`);

// In-process: the engine as the app and the batch CLI use it, with the preprocessor's header cache.
global.gc?.();
const before = process.memoryUsage().rss;
let peak = before;
const t0 = performance.now();
const cache = createPreprocessCache();
let failures = 0;
for (const b of boards) {
  try {
    writeFileSync(join(tmp, 'inproc.dtb'), compileBoard(b, cache));
  } catch {
    failures++;
  }
  peak = Math.max(peak, process.memoryUsage().rss);
}
const inMs = performance.now() - t0;
console.log(
  `${'engine in-process, whole corpus'.padEnd(34)} ${(inMs / 1000).toFixed(2).padStart(7)} s   peak ${(peak / 1048576).toFixed(1).padStart(6)} MiB rss` +
    (failures ? `   (${failures} boards failed to compile)` : ''),
);
console.log('');
console.log(`ratio per-process / reference: ${(perMs / refMs).toFixed(2)}x  (< 1 is faster than cpp | dtc)`);
console.log(`ratio batch       / reference: ${(batch.ms / refMs).toFixed(2)}x`);
console.log(`ratio in-process  / reference: ${(inMs / refMs).toFixed(2)}x`);
rmSync(tmp, { recursive: true, force: true });
