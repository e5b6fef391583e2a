// The kernel's own boards as a compiler corpus, in three sets (arm64 6.1, arm64 6.12, arm32 armmp 6.1):
// which DTBs Debian ships, and how Kbuild built each one (6.1 scripts/Makefile.lib, 6.12
// scripts/Makefile.dtbs: cmd_dtc and cmd_fdtoverlay): cpp with include-prefixes, dtc -b 0 with -@ for
// DTC_FLAGS[_<board>] and for the bases of composite (-dtbs) targets, then fdtoverlay for composites.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { debianDtbDir, kernelDtsSource, kernelSourceDir, type DebianKernel, type SystemPart } from '../system';

/** One Debian kernel's DTBs and the kernel source tree they were built from. */
export interface CorpusSet {
  name: 'arm64-6.1' | 'arm64-6.12' | 'arm32-6.1';
  kernel: DebianKernel;
  source: '6.1' | '6.12';
  arch: 'arm' | 'arm64';
  /** What requireSystem() must find for this set. */
  parts: SystemPart[];
}

export const CORPUS_SETS: readonly CorpusSet[] = [
  { name: 'arm64-6.1', kernel: 'arm64-6.1', source: '6.1', arch: 'arm64', parts: ['linux-source-6.1', 'kernel-arm64'] },
  { name: 'arm64-6.12', kernel: 'arm64-6.12', source: '6.12', arch: 'arm64', parts: ['linux-source-6.12', 'kernel-arm64-6.12'] },
  { name: 'arm32-6.1', kernel: 'armhf-6.1', source: '6.1', arch: 'arm', parts: ['linux-source-6.1', 'kernel-armhf'] },
];

export function corpusSet(name: CorpusSet['name']): CorpusSet {
  return CORPUS_SETS.find((s) => s.name === name)!;
}

/** The DTS root of a set: arch/<arch>/boot/dts of the source its kernel was built from. */
export function dtsRootOf(set: CorpusSet): string {
  return join(kernelDtsSource(set.kernel, set.source), 'arch', set.arch, 'boot', 'dts');
}

export function includePrefixesOf(set: CorpusSet): string {
  return join(kernelDtsSource(set.kernel, set.source), 'scripts', 'dtc', 'include-prefixes');
}

// The arm64 6.1 set's folders, kept for the benches that predate the other sets.
export const dtsRoot = join(kernelSourceDir, 'arch', 'arm64', 'boot', 'dts');
export const includePrefixes = join(kernelSourceDir, 'scripts', 'dtc', 'include-prefixes');

/** One DTS compiled on its own (a .dtb, or a .dtbo from a /plugin/ source). */
export interface DtcStep {
  source: string;
  symbols: boolean;
  /** scripts/dtc/include-prefixes of the kernel tree the source belongs to. */
  includePrefixes: string;
}

/** How Kbuild made one blob: dtc over one source, or fdtoverlay over a base blob and overlay blobs. */
export type CorpusBuild =
  | { kind: 'dtc'; step: DtcStep }
  | { kind: 'fdtoverlay'; base: CorpusBuild; overlays: CorpusBuild[] };

export interface CorpusBoard {
  /** The path under Debian's DTB folder, e.g. `ti/k3-am654-idk.dtb` or `imx6q-sabrelite.dtb`. */
  id: string;
  set: CorpusSet['name'];
  shipped: string;
  build: CorpusBuild;
  /** The dtc steps in application order (base first), flattened through nested composites. */
  steps: DtcStep[];
  composite: boolean;
}

/** What a DT folder's Makefile says about how its blobs are made. */
export interface DtMakefile {
  /** `<name>-dtbs := base.dtb x.dtbo ...`: composite name -> its parts, in order. */
  composites: Map<string, string[]>;
  /** `DTC_FLAGS_<name>` (key: name) and the folder-wide `DTC_FLAGS` (key: ''). */
  dtcFlags: Map<string, string>;
}

/**
 * Reads the assignments Kbuild's DT rules consume. Lines are joined at backslash-newline, comments
 * dropped; `:=` and `=` set, `+=` appends, as make does. The DT Makefiles use no conditionals.
 */
export function readDtMakefile(dir: string): DtMakefile {
  const file = join(dir, 'Makefile');
  const composites = new Map<string, string[]>();
  const dtcFlags = new Map<string, string>();
  if (!existsSync(file)) return { composites, dtcFlags };
  const text = readFileSync(file, 'utf8').replace(/\\\n/g, ' ');
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '');
    let m = /^\s*([\w.+,-]+)-dtbs\s*([:+]?=)\s*(.*)$/.exec(line);
    if (m) {
      const words = m[3]!.trim().split(/\s+/).filter(Boolean);
      composites.set(m[1]!, m[2] === '+=' ? [...(composites.get(m[1]!) ?? []), ...words] : words);
      continue;
    }
    m = /^\s*DTC_FLAGS(?:_([\w.+,-]+))?\s*([:+]?=)\s*(.*)$/.exec(line);
    if (m) {
      const key = m[1] ?? '';
      dtcFlags.set(key, m[2] === '+=' ? `${dtcFlags.get(key) ?? ''} ${m[3]!.trim()}`.trim() : m[3]!.trim());
    }
  }
  return { composites, dtcFlags };
}

const stem = (target: string) => target.replace(/\.dtbo?$/, '');

/**
 * The source of a dtc target: `x.dtb` from `x.dts`; `x.dtbo` from `x.dtso` (6.12's rule) or `x.dts`
 * (6.1's rule, `$(obj)/%.dtbo: $(src)/%.dts`). Only one of the two exists for a given overlay.
 */
function sourceFor(dir: string, target: string): string {
  if (target.endsWith('.dtbo')) {
    const dtso = join(dir, `${stem(target)}.dtso`);
    if (existsSync(dtso)) return dtso;
  }
  return join(dir, `${stem(target)}.dts`);
}

/**
 * Kbuild's recipe for one target of a DT folder. -@ comes from DTC_FLAGS / DTC_FLAGS_<stem>, and for
 * every .dtb a composite is made from (6.1: the first word of each -dtbs list; 6.12: each .dtb in
 * it; a composite's list holds one .dtb, so the two agree). A part that is itself a composite is
 * made by fdtoverlay first (6.12 ti: k3-am654-idk from k3-am654-evm, itself a composite).
 */
function buildFor(dir: string, mk: DtMakefile, target: string, includePrefixes: string, seen: string[] = []): CorpusBuild {
  const name = stem(target);
  const parts = target.endsWith('.dtb') ? mk.composites.get(name) : undefined;
  if (parts) {
    if (seen.includes(name)) throw new Error(`${join(dir, 'Makefile')}: ${name}-dtbs refers to itself through ${seen.join(' -> ')}`);
    const [base, ...overlays] = parts.map((p) => buildFor(dir, mk, p, includePrefixes, [...seen, name]));
    if (!base) throw new Error(`${join(dir, 'Makefile')}: ${name}-dtbs is empty`);
    return { kind: 'fdtoverlay', base, overlays };
  }
  const bases = new Set<string>();
  for (const list of mk.composites.values()) for (const p of list) if (p.endsWith('.dtb')) bases.add(stem(p));
  const flags = `${mk.dtcFlags.get('') ?? ''} ${mk.dtcFlags.get(name) ?? ''}`;
  const symbols = bases.has(name) || /(^|\s)-@(\s|$)/.test(flags);
  return { kind: 'dtc', step: { source: sourceFor(dir, target), symbols, includePrefixes } };
}

export function flattenBuild(build: CorpusBuild): DtcStep[] {
  return build.kind === 'dtc' ? [build.step] : [...flattenBuild(build.base), ...build.overlays.flatMap(flattenBuild)];
}

/** Every .dtb / .dtbo under a folder, as paths relative to it, sorted. */
function shippedBlobs(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...shippedBlobs(root, rel));
    else if (entry.name.endsWith('.dtb') || entry.name.endsWith('.dtbo')) out.push(rel);
  }
  return out;
}

/**
 * Every DTB and DTBO Debian ships for a set, with the Kbuild recipe that produced it. Debian installs
 * them with the kernel's own folder layout under arch/<arch>/boot/dts (flat for arm in 6.1, by
 * vendor for arm64 and for arm from 6.5), so a shipped file's folder is its source folder.
 */
export function corpusBoards(set: CorpusSet = CORPUS_SETS[0]!): CorpusBoard[] {
  const shippedRoot = debianDtbDir(set.kernel);
  const root = dtsRootOf(set);
  const prefixes = includePrefixesOf(set);
  const makefiles = new Map<string, DtMakefile>();
  const boards: CorpusBoard[] = [];
  for (const rel of shippedBlobs(shippedRoot)) {
    const dir = join(root, rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
    let mk = makefiles.get(dir);
    if (!mk) makefiles.set(dir, (mk = readDtMakefile(dir)));
    const build = buildFor(dir, mk, basename(rel), prefixes);
    boards.push({ id: rel, set: set.name, shipped: join(shippedRoot, rel), build, steps: flattenBuild(build), composite: build.kind === 'fdtoverlay' });
  }
  return boards;
}

/** A deterministic spread of boards across vendors, for a quick loop. */
export function corpusSubset(boards: CorpusBoard[], count: number): CorpusBoard[] {
  const out: CorpusBoard[] = [];
  const stride = Math.max(1, Math.floor(boards.length / count));
  for (let i = 0; i < boards.length && out.length < count; i += stride) out.push(boards[i]!);
  for (const b of boards) if ((b.composite || b.steps.some((s) => s.symbols)) && !out.includes(b) && out.length < count + 6) out.push(b);
  return out;
}

function buildLabel(b: CorpusBuild): string {
  return b.kind === 'dtc' ? basename(b.step.source) : `(${[b.base, ...b.overlays].map(buildLabel).join(' + ')})`;
}

export function boardLabel(b: CorpusBoard): string {
  return b.composite ? `${b.id} (= ${buildLabel(b.build).slice(1, -1)})` : b.id;
}

/** For messages: the source path relative to its set's DTS root. */
export function sourceLabel(set: CorpusSet, path: string): string {
  return relative(dtsRootOf(set), path);
}
