// The device-tree C preprocessor over every arm64 board of the kernel corpus, against the host's GNU
// cpp run per board the way Kbuild runs it (cpp -nostdinc -I include-prefixes -I <board dir> -undef
// -D__DTS__ -x assembler-with-cpp). Ours runs in one process with a shared header cache, as a batch
// compile would; the cold figure (no shared cache) is printed too.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPreprocessCache, preprocess, type PreprocessCache } from '../engine/devicetree/preprocess';

const root = join(process.env.BRINGUP_CACHE ?? join(homedir(), '.cache', 'bringup-workbench'), 'linux-source-6.1');
const boards: string[] = [];
const walk = (d: string) => {
  for (const n of readdirSync(join(root, d)).sort()) {
    const p = join(d, n);
    if (statSync(join(root, p)).isDirectory()) walk(p);
    else if (n.endsWith('.dts')) boards.push(p);
  }
};
walk('arch/arm64/boot/dts');
const dirsOf = (b: string) => ['scripts/dtc/include-prefixes', dirname(b)];

function runOurs(shared: boolean): { ms: number; bytes: number; errors: number } {
  const cache: PreprocessCache | undefined = shared ? createPreprocessCache() : undefined;
  let bytes = 0;
  let errors = 0;
  const t0 = performance.now();
  for (const b of boards) {
    const r = preprocess(b, {
      includeDirs: dirsOf(b),
      cache,
      readFile: (p) => {
        try {
          return readFileSync(join(root, p));
        } catch {
          return undefined;
        }
      },
    });
    bytes += r.value.length;
    errors += r.diagnostics.filter((d) => d.severity === 'error').length;
  }
  return { ms: performance.now() - t0, bytes, errors };
}

function runCpp(): { ms: number; bytes: number; failures: number } {
  let bytes = 0;
  let failures = 0;
  const t0 = performance.now();
  for (const b of boards) {
    const args = ['-nostdinc', ...dirsOf(b).flatMap((d) => ['-I', d]), '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', b];
    const r = spawnSync('cpp', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) failures++;
    bytes += (r.stdout ?? '').length;
  }
  return { ms: performance.now() - t0, bytes, failures };
}

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const cpp = runCpp();
const cold = runOurs(false);
gc?.();
const warm = runOurs(true);
const peak = process.resourceUsage().maxRSS / 1024;
console.log(`boards: ${boards.length} (arch/arm64/boot/dts)`);
console.log(`cpp per board:          ${cpp.ms.toFixed(0)} ms  (${cpp.failures} failures, ${(cpp.bytes / 1e6).toFixed(1)} MB out)`);
console.log(`ours, no shared cache:  ${cold.ms.toFixed(0)} ms  (${cold.errors} errors)  ratio cpp/ours ${(cpp.ms / cold.ms).toFixed(1)}x`);
console.log(`ours, shared cache:     ${warm.ms.toFixed(0)} ms  (${(warm.bytes / 1e6).toFixed(1)} MB out)  ratio cpp/ours ${(cpp.ms / warm.ms).toFixed(1)}x`);
console.log(`per board (shared):     ${(warm.ms / boards.length).toFixed(2)} ms; peak RSS ${peak.toFixed(0)} MB`);
