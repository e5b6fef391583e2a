// Compiles a corpus board with the project's own engine, in-process, the way `bringup dt` does:
// preprocess + parse each step (with -@ where Kbuild used it), write the DTB, and for composites
// apply the overlays onto the base as fdtoverlay does. File access is Node's; the engine does none.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { applyOverlay, loadDeviceTree, readDtb, writeDtb, type DtTree, type PreprocessCache } from '../../../engine/devicetree';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../../engine/common';
import type { CorpusBoard, CorpusBuild, DtcStep } from './corpus';

export function readFileOrUndefined(path: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    return undefined;
  }
}

export class CompileError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
  }
}

export function compileStep(step: DtcStep, cache?: PreprocessCache): DtTree {
  const r = loadDeviceTree(step.source, {
    includeDirs: [dirname(step.source), step.includePrefixes],
    defines: [],
    readFile: readFileOrUndefined,
    symbols: step.symbols,
    bootCpuid: 0, // Kbuild runs dtc -b 0
    ...(cache ? { cache } : {}),
  });
  if (hasErrors(r.diagnostics)) throw new CompileError(r.diagnostics);
  return r.value;
}

/** The first dtc step of a build: its kernel tree is the one whose scripts/dtc Kbuild runs. */
function firstStep(build: CorpusBuild): CorpusBuild & { kind: 'dtc' } {
  return build.kind === 'dtc' ? build : firstStep(build.base);
}

/**
 * fdtoverlay as the kernel tree ships it: libfdt 1.7.0 (6.12's scripts/dtc) keeps the base's phandle
 * where an overlay numbers the same node; 1.6.1 (6.1's) does not. Read from scripts/dtc/version_gen.h.
 */
const libfdtKeepsBasePhandles = new Map<string, boolean>();
function keepsBasePhandles(includePrefixes: string): boolean {
  const dtcDir = dirname(includePrefixes);
  let v = libfdtKeepsBasePhandles.get(dtcDir);
  if (v === undefined) {
    const m = /DTC (\d+)\.(\d+)\.(\d+)/.exec(readFileSync(join(dtcDir, 'version_gen.h'), 'utf8'));
    if (!m) throw new Error(`${join(dtcDir, 'version_gen.h')}: no DTC version`);
    v = Number(m[1]) > 1 || (Number(m[1]) === 1 && Number(m[2]) >= 7);
    libfdtKeepsBasePhandles.set(dtcDir, v);
  }
  return v;
}

/** One blob as Kbuild makes it: dtc, or fdtoverlay over blobs (the base may itself be a composite). */
function compileBuild(build: CorpusBuild, cache?: PreprocessCache): Uint8Array {
  if (build.kind === 'dtc') return writeDtb(compileStep(build.step, cache));
  // fdtoverlay works on blobs: the base and each overlay as compiled DTBs.
  let base = readDtb(compileBuild(build.base, cache)).value;
  for (const overlay of build.overlays) {
    const r = applyOverlay(base, readDtb(compileBuild(overlay, cache)).value, { preventPhandleOverwrite: keepsBasePhandles(firstStep(build).step.includePrefixes) });
    if (hasErrors(r.diagnostics)) throw new CompileError(r.diagnostics);
    base = r.value;
  }
  return writeDtb(base);
}

export function compileBoard(board: CorpusBoard, cache?: PreprocessCache): Uint8Array {
  return compileBuild(board.build, cache);
}
