// The reference toolchain, run exactly as Kbuild runs it: `cpp ... -x assembler-with-cpp` piped into
// `dtc -O dtb -b 0 -i <dir> -i include-prefixes [-@]`, then `fdtoverlay` for composite boards.
// Used by the corpus test (to explain a mismatch) and by the bench (the time to beat).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CorpusBoard, CorpusBuild, DtcStep } from '../../scripts/lib/corpus/corpus';

export function referenceStep(step: DtcStep): Uint8Array {
  const dir = dirname(step.source);
  const pre = execFileSync('cpp', ['-nostdinc', '-I', step.includePrefixes, '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', step.source], {
    maxBuffer: 1 << 28,
  });
  const args = ['-q', '-I', 'dts', '-O', 'dtb', '-b', '0', '-i', dir, '-i', step.includePrefixes, ...(step.symbols ? ['-@'] : []), '-o', '-', '-'];
  const r = spawnSync('dtc', args, { input: pre, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`dtc failed on ${step.source}: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout);
}

function referenceBuild(build: CorpusBuild): Uint8Array {
  if (build.kind === 'dtc') return referenceStep(build.step);
  const blobs = [build.base, ...build.overlays].map(referenceBuild);
  const tmp = mkdtempSync(join(tmpdir(), 'bringup-ref-'));
  try {
    const files = blobs.map((b, i) => {
      const f = join(tmp, `${i}.${i === 0 ? 'dtb' : 'dtbo'}`);
      writeFileSync(f, b);
      return f;
    });
    const out = join(tmp, 'out.dtb');
    execFileSync('fdtoverlay', ['-o', out, '-i', ...files]);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function referenceBoard(board: CorpusBoard): Uint8Array {
  return referenceBuild(board.build);
}

/** dtc's own decompilation, the "same tree" test when bytes differ. */
export function decompile(blob: Uint8Array): string {
  return execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', '-s', '-'], { input: blob, maxBuffer: 1 << 28 }).toString();
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
