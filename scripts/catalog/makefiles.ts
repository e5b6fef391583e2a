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
  const mk = [join(srcDir, dir, 'Makefile'), join(srcDir, dir, 'Kbuild')].find((p) => existsSync(p));
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
