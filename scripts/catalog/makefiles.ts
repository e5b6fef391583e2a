// Link order and Kconfig gates from Kbuild Makefiles (scripts/Makefile.build, Documentation/kbuild/
// makefiles.rst): objects link in the order `obj-y`/`obj-m` name them, subdirectories in place, composite
// objects (`foo-y := a.o b.o`, `foo-objs`) as their parts. Initcalls of one level run in that link order.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LinkedObject {
  /** Source path relative to the kernel tree, e.g. drivers/gpio/gpio-pl061.c */
  file: string;
  /** KBUILD_MODNAME: the object (or composite) name with '-' turned into '_'. */
  module: string;
  /** CONFIG_ symbols (without the prefix) that must be y or m for this file to be built. */
  gates: string[];
}

interface Assignment {
  target: string; // 'obj' or a composite name
  gate: string | null; // CONFIG symbol, or null for -y / -objs
  items: string[];
}

/** `$(foo-objs-y)` style indirections: every left-hand side with what was assigned to it. */
type Variables = Map<string, string[]>;

const NOT_COMPOSITE = new Set(['obj', 'lib', 'extra', 'always', 'hostprogs', 'targets', 'subdir', 'ccflags', 'asflags', 'ldflags', 'clean', 'userprogs', 'userccflags', 'header-test', 'hostprogs-always']);

function parseMakefile(text: string): Assignment[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const out: Assignment[] = [];
  const vars: Variables = new Map();
  for (const raw of joined.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const v = /^([A-Za-z0-9_.$(), -]+?)\s*(\+|:)?=\s*(.*)$/.exec(line);
    if (!v) continue;
    const expand = (words: string[], depth: number): string[] =>
      words.flatMap((w) => {
        const ref = /^\$\(([^)]+)\)$/.exec(w);
        if (!ref) return w.includes('$(') ? [] : [w];
        return depth < 4 ? expand(vars.get(ref[1]!) ?? [], depth + 1) : [];
      });
    const words = expand(v[3]!.split(/\s+/).filter(Boolean), 0);
    vars.set(v[1]!, v[2] === '+' ? [...(vars.get(v[1]!) ?? []), ...words] : words);
    // obj-$(CONFIG_X), obj-y, foo-objs, and wrapped gates such as obj-$(subst m,y,$(CONFIG_MMC))
    const m = /^([A-Za-z0-9_.-]+?)-(\$\(CONFIG_([A-Za-z0-9_]+)\)|\$\([a-z]+ [^$]*\$\(CONFIG_([A-Za-z0-9_]+)\)\)|y|m|objs)$/.exec(v[1]!);
    if (!m) continue;
    const target = m[1]!;
    if (target !== 'obj' && NOT_COMPOSITE.has(target)) continue;
    out.push({ target, gate: m[3] ?? m[4] ?? null, items: words });
  }
  return out;
}

/** Appends, in link order, every C file `dir/Makefile` builds, recursing into subdirectories in place. */
export function scanMakefiles(srcDir: string, dir: string, gates: string[], out: LinkedObject[], visited = new Set<string>()): void {
  if (visited.has(dir)) return;
  visited.add(dir);
  // scripts/Makefile.build: kbuild-file is `Kbuild` when the directory has one, else `Makefile` (arch/arm/Kbuild
  // lists kernel/ mm/ common/ ..., while arch/arm/Makefile is the arch's top-level build file).
  const mk = [join(srcDir, dir, 'Kbuild'), join(srcDir, dir, 'Makefile')].find((p) => existsSync(p));
  if (!mk) return;
  const assignments = parseMakefile(readFileSync(mk, 'latin1'));
  const composites = new Map<string, { item: string; gate: string | null }[]>();
  for (const a of assignments) {
    if (a.target === 'obj') continue;
    const list = composites.get(a.target) ?? [];
    for (const item of a.items) list.push({ item, gate: a.gate });
    composites.set(a.target, list);
  }
  const emitObject = (item: string, module: string, objGates: string[], depth: number): void => {
    const base = item.replace(/\.o$/, '');
    const parts = composites.get(base);
    if (parts && depth < 4) {
      for (const p of parts) {
        if (!p.item.endsWith('.o')) continue;
        emitObject(p.item, module, p.gate ? [...objGates, p.gate] : objGates, depth + 1);
      }
      return;
    }
    out.push({ file: `${dir}/${base}.c`, module, gates: objGates });
  };
  for (const a of assignments) {
    if (a.target !== 'obj') continue;
    const lineGates = a.gate ? [...gates, a.gate] : gates;
    for (const item of a.items) {
      if (item.endsWith('/')) {
        scanMakefiles(srcDir, `${dir}/${item.slice(0, -1)}`.replace(/\/\.\//g, '/'), lineGates, out, visited);
      } else if (item.endsWith('.o')) {
        const base = item.replace(/\.o$/, '');
        emitObject(item, base.slice(base.lastIndexOf('/') + 1).replace(/-/g, '_'), dedupe(lineGates), 0);
      }
    }
  }
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** A directory the top-level link walks, with the Kconfig gates that hold for everything in it. */
export interface LinkRoot {
  dir: string;
  gates: string[];
}

/** The architectures whose drivers the catalog carries, each with the Kconfig symbol that selects it. */
export const CATALOG_ARCHES: readonly { arch: string; gate: string }[] = [
  { arch: 'arm', gate: 'ARM' },
  { arch: 'arm64', gate: 'ARM64' },
];

/**
 * The top-level link order of vmlinux: the kernel tree's `Kbuild` (`obj-y += init/ usr/ arch/$(SRCARCH)/
 * $(ARCH_CORE) kernel/ ... drivers/ sound/ net/ virt/ $(ARCH_DRIVERS)`), with `arch/$(SRCARCH)/` and
 * `$(ARCH_CORE)` expanded for every architecture in CATALOG_ARCHES. ARCH_CORE is `core-y` of
 * arch/<arch>/Makefile: on arm the machine directories (`machine-$(CONFIG_ARCH_MXC) += imx` →
 * arch/arm/mach-imx/, gated by that symbol) and `core-$(CONFIG_PLAT_ORION) += arch/arm/plat-orion/`.
 * Each arch's directories carry its gate (CONFIG_ARM / CONFIG_ARM64), so one .config keeps one arch.
 */
export function linkRoots(srcDir: string): LinkRoot[] {
  const kbuild = join(srcDir, 'Kbuild');
  if (!existsSync(kbuild)) return [{ dir: 'drivers', gates: [] }, { dir: 'sound', gates: [] }];
  const text = readFileSync(kbuild, 'latin1').replace(/\\\r?\n/g, ' ');
  const roots: LinkRoot[] = [];
  for (const raw of text.split('\n')) {
    const m = /^obj-(y|\$\(CONFIG_([A-Za-z0-9_]+)\))\s*\+?:?=\s*(.*)$/.exec(raw.replace(/#.*$/, '').trim());
    if (!m) continue;
    const gates = m[2] ? [m[2]] : [];
    for (const item of m[3]!.split(/\s+/).filter(Boolean)) {
      if (item === 'arch/$(SRCARCH)/') {
        for (const a of CATALOG_ARCHES) roots.push({ dir: `arch/${a.arch}`, gates: [...gates, a.gate] });
      } else if (item === '$(ARCH_CORE)') {
        for (const a of CATALOG_ARCHES) for (const c of archCore(srcDir, a.arch)) roots.push({ dir: c.dir, gates: [...gates, a.gate, ...c.gates] });
      } else if (item.endsWith('/') && !item.includes('$(')) {
        roots.push({ dir: item.slice(0, -1), gates });
      }
    }
  }
  return roots;
}

/** `core-y` / `core-$(CONFIG_X)` and `machine-$(CONFIG_X)` of arch/<arch>/Makefile, in the order it appends them. */
function archCore(srcDir: string, arch: string): LinkRoot[] {
  const mk = join(srcDir, 'arch', arch, 'Makefile');
  if (!existsSync(mk)) return [];
  const machines: LinkRoot[] = [];
  const core: LinkRoot[] = [];
  for (const raw of readFileSync(mk, 'latin1').replace(/\\\r?\n/g, ' ').split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const mach = /^machine-\$\(CONFIG_([A-Za-z0-9_]+)\)\s*\+?=\s*(.*)$/.exec(line);
    if (mach) {
      for (const name of mach[2]!.split(/\s+/).filter(Boolean)) machines.push({ dir: `arch/${arch}/mach-${name}`, gates: [mach[1]!] });
      continue;
    }
    const c = /^core-(y|\$\(CONFIG_([A-Za-z0-9_]+)\))\s*\+?:?=\s*(.*)$/.exec(line);
    if (!c) continue;
    for (const item of c[3]!.split(/\s+/).filter(Boolean)) {
      if (item.includes('$(machine-y)')) {
        // core-y += $(patsubst %,arch/arm/mach-%/,$(machine-y))
        core.push(...machines);
      } else if (item.endsWith('/') && !item.includes('$(')) core.push({ dir: item.slice(0, -1), gates: c[2] ? [c[2]] : [] });
    }
  }
  return core;
}
