// Applies an overlay (a compiled /plugin/) onto a base tree the way fdtoverlay does through libfdt's
// fdt_overlay_apply (libfdt/fdt_overlay.c, fdt_rw.c): shift the overlay's own phandles past the base's
// largest, patch __local_fixups__, resolve __fixups__ through the base's __symbols__, merge each
// fragment's __overlay__ into its target, then carry the overlay's symbols over. libfdt's in-place
// edits decide the order of the result: a new property or subnode is inserted *first* in its node,
// and new property names are appended to the base's strings block; both are reproduced here.
import type { Diagnostic, Result } from '../common/diagnostics';
import { StringTable, stringTableOf } from './dtb-write';
import { createNode, createTree, readU32, strings, type DtNode, type DtProperty, type DtTree } from './tree';

function cloneTree(tree: DtTree): DtTree {
  const out = createTree(createNode(tree.root.name));
  out.memreserve = tree.memreserve.map((r) => ({ ...r }));
  out.bootCpuid = tree.bootCpuid;
  out.isPlugin = tree.isPlugin;
  if (tree.source) out.source = tree.source;
  if (tree.stringTable) out.stringTable = [...tree.stringTable];
  const stack: [DtNode, DtNode][] = [[tree.root, out.root]];
  while (stack.length) {
    const [src, dst] = stack.pop()!;
    dst.labels = [...src.labels];
    if (src.span) dst.span = src.span;
    for (const p of src.properties) dst.properties.push(cloneProp(p));
    for (const c of src.children) {
      const copy = createNode(c.name, dst);
      dst.children.push(copy);
      stack.push([c, copy]);
    }
  }
  return out;
}

function cloneProp(p: DtProperty): DtProperty {
  const q: DtProperty = { name: p.name, value: p.value.slice(), labels: [...p.labels], markers: p.markers.map((m) => ({ ...m })) };
  if (p.span) q.span = p.span;
  return q;
}

/** libfdt fdt_nodename_eq_: `name` also matches `name@unit` when given without a unit address. */
function subnode(node: DtNode, name: string): DtNode | undefined {
  for (const c of node.children) {
    if (c.name === name) return c;
    if (!name.includes('@') && c.name.startsWith(name) && c.name[name.length] === '@') return c;
  }
  return undefined;
}

function prop(node: DtNode, name: string): DtProperty | undefined {
  for (const p of node.properties) if (p.name === name) return p;
  return undefined;
}

/** libfdt fdt_path_offset: absolute path, or an alias name optionally followed by a path. */
function pathLookup(tree: DtTree, path: string): DtNode | undefined {
  let node: DtNode | undefined = tree.root;
  let rest = path;
  if (!path.startsWith('/')) {
    const slash = path.indexOf('/');
    const alias = slash < 0 ? path : path.slice(0, slash);
    const aliases = subnode(tree.root, 'aliases');
    const ap = aliases && prop(aliases, alias);
    if (!ap) return undefined;
    node = pathLookup(tree, strings(ap)[0] ?? '');
    rest = slash < 0 ? '' : path.slice(slash);
  }
  for (const part of rest.split('/')) {
    if (!part || !node) continue;
    node = subnode(node, part);
  }
  return node;
}

function getPhandle(node: DtNode): number {
  const p = prop(node, 'phandle') ?? prop(node, 'linux,phandle');
  return p && p.value.length === 4 ? readU32(p.value, 0) : 0;
}

function nodePathOf(node: DtNode): string {
  const parts: string[] = [];
  for (let n: DtNode | null = node; n && n.parent; n = n.parent) parts.push(n.name);
  return '/' + parts.reverse().join('/');
}

function* nodes(root: DtNode): Generator<DtNode> {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

function addToU32(value: Uint8Array, offset: number, delta: number): boolean {
  if (offset + 4 > value.length) return false;
  const v = (readU32(value, offset) + delta) >>> 0;
  value[offset] = v >>> 24;
  value[offset + 1] = (v >>> 16) & 0xff;
  value[offset + 2] = (v >>> 8) & 0xff;
  value[offset + 3] = v & 0xff;
  return true;
}

function setU32(value: Uint8Array, offset: number, v: number): void {
  value[offset] = v >>> 24;
  value[offset + 1] = (v >>> 16) & 0xff;
  value[offset + 2] = (v >>> 8) & 0xff;
  value[offset + 3] = v & 0xff;
}

class Applier {
  readonly diagnostics: Diagnostic[] = [];
  private table: StringTable;

  constructor(private readonly base: DtTree, private readonly ov: DtTree, private readonly file: string) {
    this.table = new StringTable();
    for (const s of base.stringTable ?? stringTableOf(base).names()) this.table.add(s);
  }

  fail(message: string): false {
    this.diagnostics.push({ severity: 'error', code: 'overlay', message, file: this.file });
    return false;
  }

  /** fdt_setprop: replace in place, or insert as the node's first property. */
  private setProp(node: DtNode, name: string, value: Uint8Array, from?: DtProperty): void {
    const existing = prop(node, name);
    if (existing) {
      existing.value = value.slice();
      existing.markers = from ? from.markers.map((m) => ({ ...m })) : [];
      if (from?.span) existing.span = from.span;
      return;
    }
    this.table.add(name);
    const p: DtProperty = from ? cloneProp(from) : { name, value: value.slice(), labels: [], markers: [] };
    p.name = name;
    p.value = value.slice();
    node.properties.unshift(p);
  }

  /** fdt_add_subnode: after the properties, before the existing children. */
  private addSubnode(parent: DtNode, name: string): DtNode {
    const existing = subnode(parent, name);
    if (existing) return existing;
    const n = createNode(name, parent);
    parent.children.unshift(n);
    return n;
  }

  run(): boolean {
    const base = this.base;
    const ov = this.ov;
    let delta = 0;
    for (const n of nodes(base.root)) delta = Math.max(delta, getPhandle(n));
    // overlay_adjust_local_phandles
    for (const n of nodes(ov.root)) {
      for (const name of ['phandle', 'linux,phandle']) {
        const p = prop(n, name);
        if (!p) continue;
        if (p.value.length !== 4) return this.fail(`${nodePathOf(n)}: bad ${name} property length ${p.value.length}`);
        const v = (readU32(p.value, 0) + delta) >>> 0;
        if (v === 0xffffffff) return this.fail(`${nodePathOf(n)}: ${name} overflows after adding ${delta}`);
        setU32(p.value, 0, v);
      }
    }
    // overlay_update_local_references
    const lf = subnode(ov.root, '__local_fixups__');
    if (lf) {
      const stack: [DtNode, DtNode][] = [[ov.root, lf]];
      while (stack.length) {
        const [tn, fn] = stack.pop()!;
        for (const fp of fn.properties) {
          if (fp.value.length % 4) return this.fail(`__local_fixups__${nodePathOf(fn).slice('/__local_fixups__'.length)}:${fp.name}: length is not a multiple of 4`);
          const tp = prop(tn, fp.name);
          if (!tp) return this.fail(`__local_fixups__ names ${nodePathOf(tn)}:${fp.name}, which the overlay does not have`);
          for (let i = 0; i < fp.value.length; i += 4) {
            if (!addToU32(tp.value, readU32(fp.value, i), delta)) return this.fail(`__local_fixups__ offset ${readU32(fp.value, i)} lies outside ${nodePathOf(tn)}:${fp.name}`);
          }
        }
        for (let i = fn.children.length - 1; i >= 0; i--) {
          const fc = fn.children[i]!;
          const tc = subnode(tn, fc.name);
          if (!tc) return this.fail(`__local_fixups__ names node ${fc.name} under ${nodePathOf(tn)}, which the overlay does not have`);
          stack.push([tc, fc]);
        }
      }
    }
    // overlay_fixup_phandles
    const fixups = subnode(ov.root, '__fixups__');
    if (fixups) {
      const symbols = subnode(base.root, '__symbols__');
      for (const fp of fixups.properties) {
        const sym = symbols && prop(symbols, fp.name);
        if (!sym) return this.fail(`label "${fp.name}" used by the overlay is not in the base's /__symbols__ (was the base compiled with -@?)`);
        const target = pathLookup(base, strings(sym)[0] ?? '');
        if (!target) return this.fail(`symbol "${fp.name}" points to ${strings(sym)[0]}, which the base does not have`);
        const ph = getPhandle(target);
        if (!ph) return this.fail(`symbol "${fp.name}" (${nodePathOf(target)}) has no phandle in the base`);
        for (const entry of strings(fp)) {
          const m = /^(.*):([^:]*):(\d+)$/.exec(entry);
          if (!m) return this.fail(`bad __fixups__ entry "${entry}" for ${fp.name}`);
          const node = pathLookup(ov, m[1]!);
          const p = node && prop(node, m[2]!);
          const off = Number(m[3]);
          if (!p || off + 4 > p.value.length) return this.fail(`__fixups__ entry "${entry}" does not point into the overlay`);
          setU32(p.value, off, ph);
        }
      }
    }
    // overlay_merge
    for (const fragment of ov.root.children) {
      const body = subnode(fragment, '__overlay__');
      if (!body) continue;
      const target = this.target(fragment);
      if (!target) return false;
      this.applyNode(target.node, body);
    }
    return this.symbols();
  }

  private target(fragment: DtNode): { node: DtNode; path?: string } | undefined {
    const t = prop(fragment, 'target');
    if (t) {
      const ph = t.value.length === 4 ? readU32(t.value, 0) : 0xffffffff;
      if (ph === 0xffffffff) return void this.fail(`${fragment.name}: bad target phandle`);
      if (ph !== 0) {
        for (const n of nodes(this.base.root)) if (getPhandle(n) === ph) return { node: n };
        return void this.fail(`${fragment.name}: target phandle 0x${ph.toString(16)} is not in the base`);
      }
    }
    const tp = prop(fragment, 'target-path');
    if (!tp) return void this.fail(`${fragment.name}: neither target nor target-path`);
    const path = strings(tp)[0] ?? '';
    const node = pathLookup(this.base, path);
    if (!node) return void this.fail(`${fragment.name}: target-path "${path}" is not in the base`);
    return { node, path };
  }

  /** overlay_apply_node, with an explicit stack in libfdt's order. */
  private applyNode(target: DtNode, body: DtNode): void {
    const stack: [DtNode, DtNode][] = [[target, body]];
    while (stack.length) {
      const [t, b] = stack.shift()!;
      for (const p of b.properties) this.setProp(t, p.name, p.value, p);
      const pairs: [DtNode, DtNode][] = [];
      for (const c of b.children) {
        const n = this.addSubnode(t, c.name);
        for (const l of c.labels) if (!n.labels.includes(l)) n.labels.push(l);
        // Recursion in libfdt is depth-first per child; each subtree is independent, so the result is the same.
        pairs.push([n, c]);
      }
      stack.unshift(...pairs);
    }
  }

  /** overlay_symbol_update */
  private symbols(): boolean {
    const ovSym = subnode(this.ov.root, '__symbols__');
    if (!ovSym) return true;
    const rootSym = this.addSubnode(this.base.root, '__symbols__');
    for (const sp of ovSym.properties) {
      const v = sp.value;
      if (v.length < 1 || v.indexOf(0) !== v.length - 1) return this.fail(`__symbols__:${sp.name}: not a string`);
      const path = strings(sp)[0]!;
      if (!path.startsWith('/')) return this.fail(`__symbols__:${sp.name}: not an absolute path`);
      const s = path.indexOf('/', 1);
      if (s < 0) continue;
      const fragName = path.slice(1, s);
      const tail = path.slice(s);
      let rel: string;
      if (tail.startsWith('/__overlay__/') && tail.length > '/__overlay__/'.length) rel = tail.slice('/__overlay__/'.length);
      else if (tail === '/__overlay__') rel = '';
      else continue;
      const fragment = subnode(this.ov.root, fragName);
      if (!fragment || !subnode(fragment, '__overlay__')) return this.fail(`__symbols__:${sp.name}: fragment ${fragName} has no __overlay__`);
      const target = this.target(fragment);
      if (!target) return false;
      let targetPath = target.path ?? nodePathOf(target.node);
      const value = (targetPath.length > 1 ? targetPath : '') + '/' + rel;
      void targetPath;
      const bytes = new Uint8Array(value.length + 1);
      for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
      this.setProp(rootSym, sp.name, bytes);
      targetPath = '';
    }
    return true;
  }

  names(): string[] {
    return this.table.names();
  }
}

/** fdtoverlay: the base with the overlay applied (neither input is modified). */
export function applyOverlay(base: DtTree, overlay: DtTree): Result<DtTree> {
  const out = cloneTree(base);
  const ov = cloneTree(overlay);
  const a = new Applier(out, ov, overlay.source ?? '<overlay>');
  if (!a.run()) return { value: base, diagnostics: a.diagnostics };
  out.stringTable = a.names();
  return { value: out, diagnostics: a.diagnostics };
}
