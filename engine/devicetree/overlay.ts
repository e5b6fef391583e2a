// Applies an overlay (a compiled /plugin/) onto a base the way fdtoverlay does, step for step with
// libfdt's fdt_overlay_apply (libfdt/fdt_overlay.c): shift the overlay's phandles past the base's
// largest, patch __local_fixups__, resolve __fixups__ through the base's __symbols__, merge each
// fragment's __overlay__ into its target, carry the overlay's symbols over, then fdt_pack. It runs on
// blobs (fdt-rw.ts) because fdtoverlay's bytes depend on libfdt's in-place edits. libfdt 1.7.0 added one
// step before the merge (overlay_prevent_phandle_overwrite): a node both sides number keeps the base's
// phandle; the option selects it, as the dtc a kernel tree ships decides (6.1: 1.6.1, 6.12: 1.7.0).
import { decodeLatin1 } from './lex';
import type { Diagnostic, Result } from '../common';
import { readDtb } from './dtb-read';
import { blobToEdit } from './dtb-write';
import { FDT_ERR, Fdt, FdtError } from './fdt-rw';
import type { DtNode, DtTree } from './tree';

const cstr = (v: Uint8Array) => decodeLatin1(v.subarray(0, v.indexOf(0) < 0 ? v.length : v.indexOf(0)));
const u32be = (v: number) => Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);

class OverlayError extends Error {}

function fail(message: string): never {
  throw new OverlayError(message);
}

/** overlay_get_target: a `target` phandle, else `target-path` (aliases allowed). */
function target(fdt: Fdt, fdto: Fdt, fragment: number): { node: number; path?: string } {
  const name = fdto.nodeName(fragment);
  const t = fdto.getProp(fragment, 'target');
  let ph = 0;
  if (t >= 0) {
    ph = fdto.propLen(t) === 4 ? fdto.u32(fdto.propData(t)) : 0xffffffff;
    if (ph === 0xffffffff) fail(`${name}: bad target phandle (unresolved reference?)`);
  }
  if (ph) {
    const node = fdt.nodeByPhandle(ph);
    if (node < 0) fail(`${name}: target phandle 0x${ph.toString(16)} is not in the base`);
    return { node };
  }
  const tp = fdto.getProp(fragment, 'target-path');
  if (tp < 0) fail(`${name}: has neither target nor target-path`);
  const path = cstr(fdto.propValue(tp));
  const node = fdt.pathOffset(path);
  if (node < 0) fail(`${name}: target-path "${path}" is not in the base`);
  return { node, path };
}

/**
 * Every phandle reference inside the overlay that its __local_fixups__ lists, in libfdt's order
 * (overlay_update_node_conflicting_references / overlay_update_local_node_references walk it alike):
 * the node, the property, the byte offset and the value there now.
 */
function forEachLocalReference(fdto: Fdt, visit: (tree: number, name: string, off: number, value: number) => void): void {
  const lf = fdto.pathOffset('/__local_fixups__');
  if (lf < 0) return;
  const stack: [number, number][] = [[0, lf]];
  while (stack.length) {
    const [tree, fix] = stack.pop()!;
    for (const fp of fdto.properties(fix)) {
      const name = fdto.propName(fp);
      const len = fdto.propLen(fp);
      if (len % 4) fail(`__local_fixups__ ${name}: length ${len} is not a multiple of 4`);
      const tp = fdto.getProp(tree, name);
      if (tp < 0) fail(`__local_fixups__ names ${fdto.path(tree)}:${name}, which the overlay does not have`);
      for (let i = 0; i < len; i += 4) {
        const off = fdto.u32(fdto.propData(fp) + i);
        if (off + 4 > fdto.propLen(tp)) fail(`__local_fixups__ offset ${off} lies outside ${fdto.path(tree)}:${name}`);
        visit(tree, name, off, fdto.u32(fdto.propData(tp) + off));
      }
    }
    const children = fdto.subnodes(fix);
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i]!;
      const tc = fdto.subnode(tree, fdto.nodeName(c));
      if (tc < 0) fail(`__local_fixups__ names node ${fdto.nodeName(c)} under ${fdto.path(tree)}, which the overlay does not have`);
      stack.push([tc, c]);
    }
  }
}

export interface OverlayOptions {
  /** libfdt 1.7.0 and later: keep the base's phandle where the overlay numbers the same node. */
  preventPhandleOverwrite?: boolean;
}

/** overlay_prevent_phandle_overwrite_node: the overlay takes the base's number, and so do its references. */
function keepBasePhandles(fdt: Fdt, fdtNode: number, fdto: Fdt, fdtoNode: number): void {
  const fdtPh = fdt.getPhandle(fdtNode);
  const fdtoPh = fdto.getPhandle(fdtoNode);
  if (fdtPh && fdtoPh) {
    // overlay_adjust_local_conflicting_phandle
    for (const name of ['phandle', 'linux,phandle']) {
      const p = fdto.getProp(fdtoNode, name);
      if (p >= 0 && fdto.propLen(p) === 4) fdto.setPropPartial(fdtoNode, name, 0, u32be(fdtPh));
    }
    // overlay_update_local_conflicting_references: every local reference that held the overlay's number
    forEachLocalReference(fdto, (tree, name, off, value) => {
      if (value === fdtoPh) fdto.setPropPartial(tree, name, off, u32be(fdtPh));
    });
  }
  for (const child of fdto.subnodes(fdtoNode)) {
    const baseChild = fdt.subnode(fdtNode, fdto.nodeName(child));
    // A node the base does not have is new: nothing of the base's to overwrite below it.
    if (baseChild < 0) continue;
    keepBasePhandles(fdt, baseChild, fdto, child);
  }
}

function apply(fdt: Fdt, fdto: Fdt, options: OverlayOptions): void {
  const delta = fdt.maxPhandle();
  // overlay_adjust_local_phandles
  for (let o = fdto.nextNode(-1, null); o >= 0; o = fdto.nextNode(o, null)) {
    for (const name of ['phandle', 'linux,phandle']) {
      const p = fdto.getProp(o, name);
      if (p < 0) continue;
      if (fdto.propLen(p) !== 4) fail(`${fdto.path(o)}: ${name} is not one cell`);
      const v = fdto.u32(fdto.propData(p));
      const adj = v + delta;
      if (adj > 0xffffffff || adj === 0xffffffff) fail(`${fdto.path(o)}: ${name} overflows after adding ${delta}`);
      fdto.setPropPartial(o, name, 0, u32be(adj));
    }
  }
  // overlay_update_local_references
  forEachLocalReference(fdto, (tree, name, off, value) => fdto.setPropPartial(tree, name, off, u32be((value + delta) >>> 0)));
  // overlay_fixup_phandles
  const fixups = fdto.pathOffset('/__fixups__');
  if (fixups >= 0) {
    const symbols = fdt.pathOffset('/__symbols__');
    for (const fp of fdto.properties(fixups)) {
      const label = fdto.propName(fp);
      const sp = symbols >= 0 ? fdt.getProp(symbols, label) : -1;
      if (sp < 0) fail(`label "${label}" used by the overlay is not in the base's /__symbols__ (was the base compiled with -@?)`);
      const symPath = cstr(fdt.propValue(sp));
      const node = fdt.pathOffset(symPath);
      if (node < 0) fail(`symbol "${label}" points to ${symPath}, which the base does not have`);
      const ph = fdt.getPhandle(node);
      if (!ph) fail(`symbol "${label}" (${symPath}) has no phandle in the base`);
      const value = fdto.propValue(fp);
      let start = 0;
      for (let i = 0; i <= value.length; i++) {
        if (i < value.length && value[i] !== 0) continue;
        if (i === start) {
          start = i + 1;
          continue;
        }
        const entry = decodeLatin1(value.subarray(start, i));
        start = i + 1;
        const m = /^([^:]*):([^:]*):(\d+)$/.exec(entry);
        if (!m) fail(`bad __fixups__ entry "${entry}" for ${label}`);
        const at = fdto.pathOffset(m[1]!);
        if (at < 0) fail(`__fixups__ entry "${entry}": no such overlay node`);
        fdto.setPropPartial(at, m[2]!, Number(m[3]), u32be(ph));
      }
    }
  }
  // overlay_prevent_phandle_overwrite (libfdt 1.7.0+)
  if (options.preventPhandleOverwrite) {
    for (const fragment of fdto.subnodes(0)) {
      const body = fdto.subnode(fragment, '__overlay__');
      if (body < 0) continue;
      const t = target(fdt, fdto, fragment);
      keepBasePhandles(fdt, t.node, fdto, body);
    }
  }
  // overlay_merge
  for (const fragment of fdto.subnodes(0)) {
    const body = fdto.subnode(fragment, '__overlay__');
    if (body < 0) continue;
    const t = target(fdt, fdto, fragment);
    applyNode(fdt, t.node, fdto, body);
  }
  symbolUpdate(fdt, fdto);
}

/** overlay_apply_node, depth first as libfdt recurses (explicit stack). */
function applyNode(fdt: Fdt, targetNode: number, fdto: Fdt, body: number): void {
  // A frame keeps the overlay children still to visit; the target offset stays valid because every
  // insertion happens after it.
  const stack: { target: number; pending: number[] }[] = [];
  const enter = (t: number, b: number) => {
    for (const p of fdto.properties(b)) fdt.setProp(t, fdto.propName(p), fdto.propValue(p));
    stack.push({ target: t, pending: fdto.subnodes(b) });
  };
  enter(targetNode, body);
  while (stack.length) {
    const f = stack[stack.length - 1]!;
    const child = f.pending.shift();
    if (child === undefined) {
      stack.pop();
      continue;
    }
    const n = fdt.addSubnode(f.target, fdto.nodeName(child));
    // Offsets of later siblings in the base moved; the parent's did not.
    enter(n.offset, child);
  }
}

/** overlay_symbol_update */
function symbolUpdate(fdt: Fdt, fdto: Fdt): void {
  const ovSym = fdto.subnode(0, '__symbols__');
  if (ovSym < 0) return;
  let rootSym = fdt.subnode(0, '__symbols__');
  if (rootSym < 0) rootSym = fdt.addSubnode(0, '__symbols__').offset;
  for (const sp of fdto.properties(ovSym)) {
    const name = fdto.propName(sp);
    const v = fdto.propValue(sp);
    if (v.length < 1 || v.indexOf(0) !== v.length - 1) fail(`overlay __symbols__ ${name} is not a string`);
    const path = cstr(v);
    if (!path.startsWith('/')) fail(`overlay __symbols__ ${name} is not an absolute path`);
    const s = path.indexOf('/', 1);
    if (s < 0) continue;
    const fragName = path.slice(1, s);
    const tail = path.slice(s);
    let rel: string;
    if (tail.startsWith('/__overlay__/') && tail.length > '/__overlay__/'.length) rel = tail.slice('/__overlay__/'.length);
    else if (tail === '/__overlay__') rel = '';
    else continue;
    const fragment = fdto.subnode(0, fragName);
    if (fragment < 0 || fdto.subnode(fragment, '__overlay__') < 0) fail(`overlay __symbols__ ${name}: fragment ${fragName} has no __overlay__`);
    const t = target(fdt, fdto, fragment);
    const targetPath = t.path ?? fdt.path(t.node);
    const value = (targetPath.length > 1 ? targetPath : '') + '/' + rel;
    const bytes = new Uint8Array(value.length + 1);
    for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i) & 0xff;
    fdt.setProp(rootSym, name, bytes);
    rootSym = fdt.subnode(0, '__symbols__');
  }
}

/** Copies source spans from the inputs onto the merged tree by path, so diagnostics still point into sources. */
function graftSpans(out: DtTree, base: DtTree): void {
  const byPath = new Map<string, DtNode>();
  const stack: [DtNode, string][] = [[base.root, '']];
  while (stack.length) {
    const [n, p] = stack.pop()!;
    byPath.set(p || '/', n);
    for (const c of n.children) stack.push([c, `${p}/${c.name}`]);
  }
  const ostack: [DtNode, string][] = [[out.root, '']];
  while (ostack.length) {
    const [n, p] = ostack.pop()!;
    const src = byPath.get(p || '/');
    if (src) {
      if (src.span) n.span = src.span;
      for (const l of src.labels) if (!n.labels.includes(l)) n.labels.push(l);
      for (const prop of n.properties) {
        const sp = src.properties.find((q) => q.name === prop.name);
        if (sp?.span && sp.value.length === prop.value.length && sp.value.every((b, i) => b === prop.value[i])) {
          prop.span = sp.span;
          prop.markers = sp.markers.map((m) => ({ ...m }));
          prop.labels = [...sp.labels];
        }
      }
    }
    for (const c of n.children) ostack.push([c, `${p}/${c.name}`]);
  }
}

/** fdtoverlay: the base with the overlay applied (neither input is modified). */
export function applyOverlay(base: DtTree, overlay: DtTree, options: OverlayOptions = {}): Result<DtTree> {
  const diagnostics: Diagnostic[] = [];
  const file = overlay.source ?? '<overlay>';
  const baseBlob = blobToEdit(base);
  const ovBlob = blobToEdit(overlay);
  // Like fdtoverlay: start from the base in a roomier buffer, and retry from scratch with more room
  // when libfdt runs out of space (the bytes of the result do not depend on the buffer size).
  let capacity = baseBlob.length + 2 * ovBlob.length + 65536;
  let fdt: Fdt;
  for (;;) {
    fdt = new Fdt(baseBlob, capacity);
    const fdto = new Fdt(ovBlob);
    try {
      apply(fdt, fdto, options);
      break;
    } catch (e) {
      if (e instanceof FdtError && e.code === FDT_ERR.NOSPACE && capacity < 1 << 30) {
        capacity *= 2;
        continue;
      }
      if (!(e instanceof OverlayError) && !(e instanceof FdtError)) throw e;
      diagnostics.push({ severity: 'error', code: 'overlay', message: `cannot apply overlay: ${e.message}`, file });
      return { value: base, diagnostics };
    }
  }
  const blob = fdt.packed();
  const r = readDtb(blob, base.source ?? '<base>');
  diagnostics.push(...r.diagnostics);
  const out = r.value;
  if (base.source) out.source = base.source;
  out.rawBlob = blob;
  graftSpans(out, base);
  return { value: out, diagnostics };
}
