// A small model of libfdt's read-write API on a byte buffer (libfdt fdt.c, fdt_ro.c, fdt_rw.c), enough
// for fdt_overlay_apply: tag walking, subnode/property/path/phandle lookups, and the splicing setprop
// and add_subnode. It is a faithful model rather than a tree rewrite because fdtoverlay's output keeps
// libfdt's leftovers: stale bytes in padding after a shrunk or inserted value, new properties and
// subnodes inserted first, new names appended to the strings block. Offsets are struct-relative.
import { decodeLatin1 } from './lex';

export const FDT_ERR = {
  NOTFOUND: 'FDT_ERR_NOTFOUND',
  EXISTS: 'FDT_ERR_EXISTS',
  NOSPACE: 'FDT_ERR_NOSPACE',
  BADOFFSET: 'FDT_ERR_BADOFFSET',
  BADPATH: 'FDT_ERR_BADPATH',
  BADPHANDLE: 'FDT_ERR_BADPHANDLE',
  BADOVERLAY: 'FDT_ERR_BADOVERLAY',
  BADVALUE: 'FDT_ERR_BADVALUE',
  NOPHANDLES: 'FDT_ERR_NOPHANDLES',
  BADSTRUCTURE: 'FDT_ERR_BADSTRUCTURE',
} as const;

export class FdtError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

const TAG_BEGIN = 1;
const TAG_END_NODE = 2;
const TAG_PROP = 3;
const TAG_NOP = 4;
const TAG_END = 9;

const align4 = (n: number) => (n + 3) & ~3;

export class Fdt {
  buf: Uint8Array;

  /** fdt_open_into: the blob at the start of a buffer of `capacity` bytes (free space after). */
  constructor(blob: Uint8Array, capacity = blob.length) {
    this.buf = new Uint8Array(Math.max(capacity, blob.length));
    this.buf.set(blob);
    this.setHeader(4, this.buf.length);
  }

  u32(abs: number): number {
    const b = this.buf;
    return ((b[abs]! << 24) | (b[abs + 1]! << 16) | (b[abs + 2]! << 8) | b[abs + 3]!) >>> 0;
  }

  setU32(abs: number, v: number): void {
    const b = this.buf;
    b[abs] = v >>> 24;
    b[abs + 1] = (v >>> 16) & 0xff;
    b[abs + 2] = (v >>> 8) & 0xff;
    b[abs + 3] = v & 0xff;
  }

  private header(at: number): number {
    return this.u32(at);
  }

  private setHeader(at: number, v: number): void {
    this.setU32(at, v);
  }

  get offStruct(): number { return this.header(8); }
  get offStrings(): number { return this.header(12); }
  get sizeStrings(): number { return this.header(32); }
  get sizeStruct(): number { return this.header(36); }
  get totalsize(): number { return this.header(4); }

  private dataSize(): number {
    return this.offStrings + this.sizeStrings;
  }

  private tagAt(off: number): number {
    if (off < 0 || off + 4 > this.sizeStruct) throw new FdtError(FDT_ERR.BADSTRUCTURE, `struct offset ${off} out of range`);
    return this.u32(this.offStruct + off);
  }

  /** fdt_next_tag: the tag at `off` and the aligned offset after it. */
  nextTag(off: number): { tag: number; next: number } {
    const tag = this.tagAt(off);
    let p = off + 4;
    if (tag === TAG_BEGIN) {
      const base = this.offStruct;
      while (p < this.sizeStruct && this.buf[base + p] !== 0) p++;
      p++;
    } else if (tag === TAG_PROP) {
      p = off + 12 + this.u32(this.offStruct + off + 4);
    }
    return { tag, next: align4(p) };
  }

  /** fdt_next_node with depth tracking. */
  nextNode(off: number, depth: { d: number } | null): number {
    let next = 0;
    if (off >= 0) next = this.checkNode(off);
    for (;;) {
      off = next;
      const t = this.nextTag(off);
      next = t.next;
      if (t.tag === TAG_BEGIN) {
        if (depth) depth.d++;
        return off;
      }
      if (t.tag === TAG_END_NODE) {
        if (depth && --depth.d < 0) return -1;
      } else if (t.tag === TAG_END) return -1;
    }
  }

  private checkNode(off: number): number {
    const t = this.nextTag(off);
    if (t.tag !== TAG_BEGIN) throw new FdtError(FDT_ERR.BADOFFSET, `no node at ${off}`);
    return t.next;
  }

  firstSubnode(off: number): number {
    const depth = { d: 0 };
    const o = this.nextNode(off, depth);
    return o < 0 || depth.d !== 1 ? -1 : o;
  }

  nextSubnode(off: number): number {
    const depth = { d: 1 };
    do {
      off = this.nextNode(off, depth);
      if (off < 0 || depth.d < 1) return -1;
    } while (depth.d > 1);
    return off;
  }

  subnodes(off: number): number[] {
    const out: number[] = [];
    for (let c = this.firstSubnode(off); c >= 0; c = this.nextSubnode(c)) out.push(c);
    return out;
  }

  nodeName(off: number): string {
    const base = this.offStruct + off + 4;
    let e = base;
    while (this.buf[e] !== 0) e++;
    return decodeLatin1(this.buf.subarray(base, e));
  }

  private nextProp(off: number): number {
    for (;;) {
      const t = this.nextTag(off);
      if (t.tag === TAG_PROP) return off;
      if (t.tag !== TAG_NOP) return -1;
      off = t.next;
    }
  }

  firstProperty(node: number): number {
    return this.nextProp(this.checkNode(node));
  }

  nextProperty(prop: number): number {
    return this.nextProp(this.nextTag(prop).next);
  }

  properties(node: number): number[] {
    const out: number[] = [];
    for (let p = this.firstProperty(node); p >= 0; p = this.nextProperty(p)) out.push(p);
    return out;
  }

  stringAt(nameoff: number): string {
    const s = this.offStrings + nameoff;
    let e = s;
    while (this.buf[e] !== 0) e++;
    return decodeLatin1(this.buf.subarray(s, e));
  }

  propName(prop: number): string {
    return this.stringAt(this.u32(this.offStruct + prop + 8));
  }

  propLen(prop: number): number {
    return this.u32(this.offStruct + prop + 4);
  }

  /** Absolute buffer index of a property's value. */
  propData(prop: number): number {
    return this.offStruct + prop + 12;
  }

  propValue(prop: number): Uint8Array {
    const d = this.propData(prop);
    return this.buf.slice(d, d + this.propLen(prop));
  }

  getProp(node: number, name: string): number {
    for (let p = this.firstProperty(node); p >= 0; p = this.nextProperty(p)) if (this.propName(p) === name) return p;
    return -1;
  }

  /** fdt_subnode_offset_namelen with fdt_nodename_eq_ (a name without '@' matches `name@unit`). */
  subnode(parent: number, name: string): number {
    for (const c of this.subnodes(parent)) {
      const n = this.nodeName(c);
      if (n === name) return c;
      if (!name.includes('@') && n.startsWith(name) && n[name.length] === '@') return c;
    }
    return -1;
  }

  /** fdt_path_offset, aliases included. */
  pathOffset(path: string): number {
    let p = 0;
    let off = 0;
    if (!path.startsWith('/')) {
      const q = path.indexOf('/');
      const alias = q < 0 ? path : path.slice(0, q);
      const aliases = this.subnode(0, 'aliases');
      const ap = aliases >= 0 ? this.getProp(aliases, alias) : -1;
      if (ap < 0) return -1;
      const v = this.propValue(ap);
      off = this.pathOffset(decodeLatin1(v.subarray(0, Math.max(0, v.indexOf(0)))));
      if (off < 0) return -1;
      p = q < 0 ? path.length : q;
    }
    while (p < path.length) {
      while (path[p] === '/') {
        p++;
        if (p === path.length) return off;
      }
      const q = path.indexOf('/', p);
      const part = q < 0 ? path.slice(p) : path.slice(p, q);
      off = this.subnode(off, part);
      if (off < 0) return -1;
      p = q < 0 ? path.length : q;
    }
    return off;
  }

  getPhandle(node: number): number {
    for (const name of ['phandle', 'linux,phandle']) {
      const p = this.getProp(node, name);
      if (p >= 0 && this.propLen(p) === 4) return this.u32(this.propData(p));
    }
    return 0;
  }

  nodeByPhandle(ph: number): number {
    if (ph === 0 || ph === 0xffffffff) return -1;
    for (let o = this.nextNode(-1, null); o >= 0; o = this.nextNode(o, null)) if (this.getPhandle(o) === ph) return o;
    return -1;
  }

  maxPhandle(): number {
    let max = 0;
    for (let o = this.nextNode(-1, null); o >= 0; o = this.nextNode(o, null)) max = Math.max(max, this.getPhandle(o));
    return max;
  }

  /** fdt_get_path */
  path(node: number): string {
    const stack: string[] = [];
    const depth = { d: -1 };
    for (let o = this.nextNode(-1, depth); o >= 0; o = this.nextNode(o, depth)) {
      stack.length = depth.d;
      stack[depth.d] = this.nodeName(o);
      if (o === node) return depth.d === 0 ? '/' : stack.join('/');
    }
    throw new FdtError(FDT_ERR.BADOFFSET, `no node at ${node}`);
  }

  // ---- read-write (fdt_rw.c) ----

  /** fdt_splice_: move everything after the splice point; the gap keeps whatever bytes were there. */
  private splice(abs: number, oldLen: number, newLen: number): void {
    const end = this.dataSize();
    if (end - oldLen + newLen > this.totalsize) throw new FdtError(FDT_ERR.NOSPACE, 'no space in the blob');
    this.buf.copyWithin(abs + newLen, abs + oldLen, end);
  }

  private spliceStruct(abs: number, oldLen: number, newLen: number): void {
    const delta = newLen - oldLen;
    this.splice(abs, oldLen, newLen);
    this.setHeader(36, this.sizeStruct + delta);
    this.setHeader(12, this.offStrings + delta);
  }

  /** fdt_find_add_string_: first place the name occurs NUL-terminated, else append it. */
  private findAddString(name: string): number {
    const s = this.offStrings;
    const size = this.sizeStrings;
    const bytes = Uint8Array.from([...name].map((c) => c.charCodeAt(0) & 0xff).concat([0]));
    outer: for (let i = 0; i + bytes.length <= size; i++) {
      for (let k = 0; k < bytes.length; k++) if (this.buf[s + i + k] !== bytes[k]) continue outer;
      return i;
    }
    const at = s + size;
    this.splice(at, 0, bytes.length);
    this.setHeader(32, size + bytes.length);
    this.buf.set(bytes, at);
    return size;
  }

  /** fdt_setprop: resize in place, or insert the property first in the node. */
  setProp(node: number, name: string, value: Uint8Array): void {
    const existing = this.getProp(node, name);
    let prop: number;
    if (existing >= 0) {
      prop = existing;
      this.spliceStruct(this.propData(prop), align4(this.propLen(prop)), align4(value.length));
      this.setU32(this.offStruct + prop + 4, value.length);
    } else {
      const at = this.checkNode(node);
      const nameoff = this.findAddString(name);
      prop = at;
      this.spliceStruct(this.offStruct + at, 0, 12 + align4(value.length));
      const abs = this.offStruct + at;
      this.setU32(abs, TAG_PROP);
      this.setU32(abs + 4, value.length);
      this.setU32(abs + 8, nameoff);
    }
    this.buf.set(value, this.propData(prop));
  }

  /** fdt_setprop_inplace_namelen_partial */
  setPropPartial(node: number, name: string, offset: number, value: Uint8Array): void {
    const p = this.getProp(node, name);
    if (p < 0) throw new FdtError(FDT_ERR.NOTFOUND, `no property ${name}`);
    if (offset + value.length > this.propLen(p)) throw new FdtError(FDT_ERR.NOSPACE, `${name}: offset ${offset} beyond its ${this.propLen(p)} bytes`);
    this.buf.set(value, this.propData(p) + offset);
  }

  /** fdt_add_subnode: after the parent's properties, before its first child. Returns the existing one if present. */
  addSubnode(parent: number, name: string): { offset: number; existed: boolean } {
    const existing = this.subnode(parent, name);
    if (existing >= 0) return { offset: existing, existed: true };
    let off = this.checkNode(parent);
    for (;;) {
      const t = this.nextTag(off);
      if (t.tag !== TAG_PROP && t.tag !== TAG_NOP) break;
      off = t.next;
    }
    const nameLen = name.length + 1;
    const nodeLen = 4 + align4(nameLen) + 4;
    const abs = this.offStruct + off;
    this.spliceStruct(abs, 0, nodeLen);
    this.setU32(abs, TAG_BEGIN);
    this.buf.fill(0, abs + 4, abs + 4 + align4(nameLen));
    for (let i = 0; i < name.length; i++) this.buf[abs + 4 + i] = name.charCodeAt(i) & 0xff;
    this.setU32(abs + nodeLen - 4, TAG_END_NODE);
    return { offset: off, existed: false };
  }

  /** fdt_pack (blocks are already contiguous after splices): the blob without free space. */
  packed(): Uint8Array {
    const size = this.dataSize();
    const out = this.buf.slice(0, size);
    out[4] = size >>> 24;
    out[5] = (size >>> 16) & 0xff;
    out[6] = (size >>> 8) & 0xff;
    out[7] = size & 0xff;
    return out;
  }
}
