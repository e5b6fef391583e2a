// The compiler's front door (dtc.c main as a library call): a .dts (C-preprocessed as Kbuild does, then
// parsed and resolved) or a .dtb/.dtbo (told apart as dtc does: by the magic, else by the name), optional
// overlays applied on top the way fdtoverlay does, and dtc's checks. File access comes in through
// `readFile`; nothing here throws on bad input: everything is a diagnostic with a position.
import type { Diagnostic, Result } from '../common';
import { hasErrors } from '../common';
import { looksLikeDtb, readDtb } from './dtb-read';
import { decodeUtf8, type SourceFiles } from './lex';
import { contentsOf, preprocess, type PreprocessCache, type ReadFile } from './preprocess';
import { applyOverlay } from './overlay';
import { parseDts } from './parse';
import { liveToTree, resolveLiveTree } from './resolve';
import { runChecks, type CheckLevel } from './checks';
import { createTree, type DtTree } from './tree';

export interface LoadOptions {
  /** `-I` directories for #include and /include/ (Kbuild: the board's folder and scripts/dtc/include-prefixes). */
  includeDirs?: string[];
  /** `-D NAME[=VALUE]` for the preprocessor. */
  defines?: string[];
  /** The host's file reader; a source's modification time, when given, is what __TIMESTAMP__ shows. */
  readFile: ReadFile;
  /** dtc -@ */
  symbols?: boolean;
  /** .dtbo / plugin .dts files applied in order onto the loaded tree (fdtoverlay). */
  overlays?: string[];
  /** Run the C preprocessor over a .dts first (default true). */
  preprocess?: boolean;
  /** dtc -b; without it the boot CPU is guessed from /cpus as dtc does. */
  bootCpuid?: number;
  /** Run dtc's warning checks (default true). */
  checks?: boolean;
  /**
   * The level each check runs at (checkLevels, from dtc's -W and -E switches); by default each
   * check's own. A check raised to an error fails the load as dtc's ERROR checks do.
   */
  checkLevels?: ReadonlyMap<string, CheckLevel>;
  /** Passed through to the preprocessor (shared header cache across a corpus run). */
  cache?: PreprocessCache;
  /** The host's clock, for __DATE__ and __TIME__ as cpp expands them; without it they read "??? ?? ????" / "??:??:??". */
  now?: Date;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : path.slice(0, i);
}

export function joinPath(dir: string, name: string): string {
  if (name.startsWith('/')) return name;
  if (dir === '' || dir === '.') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

function sourceFiles(options: LoadOptions): SourceFiles {
  return {
    resolve(name, fromFile) {
      const candidates = name.startsWith('/') ? [name] : [joinPath(dirname(fromFile), name), ...(options.includeDirs ?? []).map((d) => joinPath(d, name))];
      for (const path of candidates) {
        const read = contentsOf(options.readFile(path));
        if (read) return { path, bytes: read.bytes };
      }
      return undefined;
    },
  };
}

/** Compiles one DTS source text (already preprocessed or raw) into a resolved tree. */
export function compileSource(text: string, file: string, options: LoadOptions): Result<DtTree> {
  const parsed = parseDts(text, file, sourceFiles(options));
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  if (parsed.complete) diagnostics.push(...resolveLiveTree(parsed.tree, { symbols: !!options.symbols }));
  if (options.bootCpuid !== undefined) parsed.tree.bootCpuid = options.bootCpuid >>> 0;
  const tree = liveToTree(parsed.tree);
  tree.source = file;
  return { value: tree, diagnostics };
}

function loadOne(path: string, options: LoadOptions): Result<DtTree> {
  const bytes = contentsOf(options.readFile(path))?.bytes;
  if (!bytes) {
    const tree = createTree();
    tree.source = path;
    return { value: tree, diagnostics: [{ severity: 'error', code: 'io', message: `cannot read ${path}`, file: path }] };
  }
  if (looksLikeDtb(bytes) || namesBlob(path)) {
    const r = readDtb(bytes, path);
    if (options.bootCpuid !== undefined) r.value.bootCpuid = options.bootCpuid >>> 0;
    return r;
  }
  let text: string;
  const diagnostics: Diagnostic[] = [];
  if (options.preprocess === false) text = decodeUtf8(bytes);
  else {
    const r = preprocess(path, { includeDirs: options.includeDirs ?? [], defines: options.defines ?? [], readFile: options.readFile, ...(options.cache ? { cache: options.cache } : {}), ...(options.now ? { now: options.now } : {}) });
    diagnostics.push(...r.diagnostics);
    if (hasErrors(r.diagnostics)) {
      const tree = createTree();
      tree.source = path;
      return { value: tree, diagnostics };
    }
    text = r.value;
  }
  const r = compileSource(text, path, options);
  return { value: r.value, diagnostics: [...diagnostics, ...r.diagnostics] };
}

/**
 * dtc.c guess_input_format: a file without the FDT magic is still read as a blob when its name says
 * .dtb or .dtbo (and then fails on the magic); anything else is source, whatever bytes it holds.
 */
function namesBlob(path: string): boolean {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || path.indexOf('/', dot) >= 0) return false;
  const ext = path.slice(dot).toLowerCase();
  return ext === '.dtb' || ext === '.dtbo';
}

/**
 * Loads a device tree as `dtc [-@] [-b N] file` would (DTS or DTB by magic), then applies each overlay
 * as `fdtoverlay` does, then runs the warning checks.
 */
export function loadDeviceTree(path: string, options: LoadOptions): Result<DtTree> {
  const base = loadOne(path, options);
  const diagnostics = [...base.diagnostics];
  let tree = base.value;
  if (hasErrors(diagnostics)) return { value: tree, diagnostics };
  if (options.checks !== false) {
    diagnostics.push(...runChecks(tree, options.checkLevels));
    if (hasErrors(diagnostics)) return { value: tree, diagnostics };
  }
  for (const overlayPath of options.overlays ?? []) {
    const { overlays: _ignored, bootCpuid: _b, ...rest } = options;
    // Overlays are compiled as Kbuild compiles a .dtbo: a plugin, without -@.
    const ov = loadOne(overlayPath, { ...rest, symbols: false });
    diagnostics.push(...ov.diagnostics);
    if (hasErrors(ov.diagnostics)) return { value: tree, diagnostics };
    const applied = applyOverlay(tree, ov.value);
    diagnostics.push(...applied.diagnostics);
    if (hasErrors(applied.diagnostics)) return { value: tree, diagnostics };
    tree = applied.value;
  }
  return { value: tree, diagnostics };
}
