// Compiles a corpus board with the project's own engine, in-process, the way `bringup dt` does:
// preprocess + parse each step (with -@ where Kbuild used it), write the DTB, and for composites
// apply the overlays onto the base as fdtoverlay does. File access is Node's; the engine does none.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { applyOverlay, loadDeviceTree, readDtb, writeDtb, type DtTree, type PreprocessCache } from '../../engine/devicetree';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../engine/common';
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

/** One blob as Kbuild makes it: dtc, or fdtoverlay over blobs (the base may itself be a composite). */
function compileBuild(build: CorpusBuild, cache?: PreprocessCache): Uint8Array {
  if (build.kind === 'dtc') return writeDtb(compileStep(build.step, cache));
  // fdtoverlay works on blobs: the base and each overlay as compiled DTBs.
  let base = readDtb(compileBuild(build.base, cache)).value;
  for (const overlay of build.overlays) {
    const r = applyOverlay(base, readDtb(compileBuild(overlay, cache)).value);
    if (hasErrors(r.diagnostics)) throw new CompileError(r.diagnostics);
    base = r.value;
  }
  return writeDtb(base);
}

export function compileBoard(board: CorpusBoard, cache?: PreprocessCache): Uint8Array {
  return compileBuild(board.build, cache);
}
