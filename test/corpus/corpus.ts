// The kernel's own arm64 boards as a compiler corpus: which DTBs Debian ships, and how Kbuild 6.1 built
// each one (scripts/Makefile.lib cmd_dtc / cmd_fdtoverlay): cpp with include-prefixes, dtc -b 0 with
// -@ for DTC_FLAGS_<board> and for bases of composite (-dtbs) targets, then fdtoverlay for composites.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { debianDtbDir, kernelSourceDir } from '../support/system';

export const dtsRoot = join(kernelSourceDir, 'arch', 'arm64', 'boot', 'dts');
export const includePrefixes = join(kernelSourceDir, 'scripts', 'dtc', 'include-prefixes');

/** One DTS compiled on its own (a .dtb, or a .dtbo from a /plugin/ source). */
export interface DtcStep {
  source: string;
  symbols: boolean;
}

export interface CorpusBoard {
  /** `vendor/name.dtb` as Debian ships it. */
  id: string;
  vendor: string;
  shipped: string;
  /** A plain board: one step. A composite: the base (first) and overlays applied in order. */
  steps: DtcStep[];
  composite: boolean;
}

interface VendorMakefile {
  composites: Map<string, string[]>; // name -> [base.dtb, x.dtbo, ...]
  dtcFlags: Map<string, string>; // name -> flags ('' key: folder-wide DTC_FLAGS)
}

function readMakefile(dir: string): VendorMakefile {
  const file = join(dir, 'Makefile');
  const composites = new Map<string, string[]>();
  const dtcFlags = new Map<string, string>();
  if (!existsSync(file)) return { composites, dtcFlags };
  const text = readFileSync(file, 'utf8').replace(/\\\n/g, ' ');
  for (const line of text.split('\n')) {
    let m = /^\s*([\w.+,-]+)-dtbs\s*[:+]?=\s*(.*)$/.exec(line);
    if (m) {
      composites.set(m[1]!, m[2]!.trim().split(/\s+/).filter(Boolean));
      continue;
    }
    m = /^\s*DTC_FLAGS(?:_([\w.+,-]+))?\s*[:+]?=\s*(.*)$/.exec(line);
    if (m) dtcFlags.set(m[1] ?? '', `${dtcFlags.get(m[1] ?? '') ?? ''} ${m[2]!.trim()}`.trim());
  }
  return { composites, dtcFlags };
}

function sourceFor(dir: string, target: string): string {
  return join(dir, target.replace(/\.dtbo?$/, '.dts'));
}

/** Every DTB and DTBO Debian ships for arm64, with the Kbuild recipe that produced it. */
export function corpusBoards(): CorpusBoard[] {
  const shippedRoot = debianDtbDir();
  const boards: CorpusBoard[] = [];
  for (const vendor of readdirSync(shippedRoot).sort()) {
    const dir = join(dtsRoot, vendor);
    const mk = readMakefile(dir);
    const bases = new Set<string>();
    for (const parts of mk.composites.values()) if (parts[0]) bases.add(parts[0].replace(/\.dtb$/, ''));
    const folderSymbols = (mk.dtcFlags.get('') ?? '').includes('-@');
    for (const file of readdirSync(join(shippedRoot, vendor)).sort()) {
      if (!file.endsWith('.dtb') && !file.endsWith('.dtbo')) continue;
      const name = file.replace(/\.dtbo?$/, '');
      const symbolsFor = (n: string) => folderSymbols || bases.has(n) || (mk.dtcFlags.get(n) ?? '').includes('-@');
      const parts = mk.composites.get(name);
      const steps: DtcStep[] = parts
        ? parts.map((p) => ({ source: sourceFor(dir, p), symbols: symbolsFor(p.replace(/\.dtbo?$/, '')) }))
        : [{ source: sourceFor(dir, file), symbols: symbolsFor(name) }];
      boards.push({ id: `${vendor}/${file}`, vendor, shipped: join(shippedRoot, vendor, file), steps, composite: !!parts });
    }
  }
  return boards;
}

/** A deterministic spread of boards across vendors, for the quick subset in `npm test`. */
export function corpusSubset(boards: CorpusBoard[], count: number): CorpusBoard[] {
  const out: CorpusBoard[] = [];
  const stride = Math.max(1, Math.floor(boards.length / count));
  for (let i = 0; i < boards.length && out.length < count; i += stride) out.push(boards[i]!);
  for (const b of boards) if ((b.composite || b.steps.some((s) => s.symbols)) && !out.includes(b) && out.length < count + 6) out.push(b);
  return out;
}

export function boardLabel(b: CorpusBoard): string {
  return b.composite ? `${b.id} (= ${b.steps.map((s) => basename(s.source)).join(' + ')})` : b.id;
}
