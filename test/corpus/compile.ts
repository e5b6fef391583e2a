// Compiles a corpus board with the project's own engine, in-process, the way `bringup dt` does:
// preprocess + parse each step (with -@ where Kbuild used it), write the DTB, and for composites
// apply the overlays onto the base as fdtoverlay does. File access is Node's; the engine does none.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { applyOverlay, loadDeviceTree, readDtb, writeDtb, type DtTree, type PreprocessCache } from '../../engine/devicetree';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../engine/common';
import { includePrefixes, type CorpusBoard, type DtcStep } from './corpus';

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
    includeDirs: [dirname(step.source), includePrefixes],
    defines: [],
    readFile: readFileOrUndefined,
    symbols: step.symbols,
    bootCpuid: 0, // Kbuild runs dtc -b 0
    ...(cache ? { cache } : {}),
  });
  if (hasErrors(r.diagnostics)) throw new CompileError(r.diagnostics);
  return r.value;
}

export function compileBoard(board: CorpusBoard, cache?: PreprocessCache): Uint8Array {
  const trees = board.steps.map((s) => compileStep(s, cache));
  if (!board.composite) return writeDtb(trees[0]!);
  // fdtoverlay works on blobs: the base and each overlay as compiled DTBs.
  let base = readDtb(writeDtb(trees[0]!)).value;
  for (const overlay of trees.slice(1)) {
    const r = applyOverlay(base, readDtb(writeDtb(overlay)).value);
    if (hasErrors(r.diagnostics)) throw new CompileError(r.diagnostics);
    base = r.value;
  }
  return writeDtb(base);
}
