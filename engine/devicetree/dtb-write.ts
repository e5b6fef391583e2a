// Writes the tree as a flattened device tree blob in dtc's exact layout (dtc flattree.c dt_to_blob,
// version 17): 40-byte header, memory reservation map, struct block, strings block, no padding unless
// asked. Property names share the strings block the way stringtable_insert does (a name that is a
// suffix of an earlier one reuses it), through a suffix map instead of dtc's quadratic scan.
import { decodeLatin1, textBytes } from './lex';
import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_MAGIC, FDT_PROP } from './dtb-read';
import type { DtNode, DtTree } from './tree';

export interface WriteDtbOptions {
  /** Extra zero bytes after the blob (dtc -p). */
  pad?: number;
  /** Extra empty memory reservation slots (dtc -R). */
  reserveSlots?: number;
}

/** dtc/libfdt string table: first offset where a NUL-terminated copy of the name starts. */
export class StringTable {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private offsets = new Map<string, number>();

  add(name: string): number {
    const hit = this.offsets.get(name);
    if (hit !== undefined) return hit;
    const at = this.size;
    const bytes = textBytes(name);
    const withNul = new Uint8Array(bytes.length + 1);
    withNul.set(bytes);
    this.chunks.push(withNul);
    this.size += withNul.length;
    // Every suffix of the new name is now findable; earlier (lower) offsets keep priority.
    for (let k = 0; k <= name.length; k++) {
      const suffix = name.slice(k);
      if (!this.offsets.has(suffix)) this.offsets.set(suffix, at + k);
    }
    return at;
  }

  /** The names in the order they were appended (for seeding a later write). */
  names(): string[] {
    return this.chunks.map((c) => decodeLatin1(c.subarray(0, c.length - 1)));
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}

class Buffer {
  buf = new Uint8Array(4096);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.len;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.len += 4;
  }
  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }
  align4(): void {
    const pad = (4 - (this.len & 3)) & 3;
    this.ensure(pad);
    for (let i = 0; i < pad; i++) this.buf[this.len++] = 0;
  }
}

/** Emits the struct block; returns it with the string table it filled. */
function flatten(tree: DtTree, strings: StringTable): Buffer {
  const out = new Buffer();
  // Explicit stack: an entry is a node to open, or the marker to close one.
  const stack: (DtNode | null)[] = [tree.root];
  while (stack.length) {
    const node = stack.pop();
    if (node === null) {
      out.u32(FDT_END_NODE);
      continue;
    }
    const n = node!;
    out.u32(FDT_BEGIN_NODE);
    out.bytes(textBytes(n.name));
    out.bytes(ZERO);
    out.align4();
    const ps = n.properties;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      const nameoff = strings.add(p.name);
      out.u32(FDT_PROP);
      out.u32(p.value.length);
      out.u32(nameoff);
      out.bytes(p.value);
      out.align4();
    }
    stack.push(null);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  out.u32(FDT_END);
  return out;
}

const ZERO = new Uint8Array(1);

/** The string table a write of this tree produces (seeded by tree.stringTable when the tree has one). */
export function stringTableOf(tree: DtTree): StringTable {
  const strings = new StringTable();
  for (const s of tree.stringTable ?? []) strings.add(s);
  for (const n of walkNodes(tree.root)) for (const p of n.properties) strings.add(p.name);
  return strings;
}

function* walkNodes(root: DtNode): Generator<DtNode> {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

export function writeDtb(tree: DtTree, options: WriteDtbOptions = {}): Uint8Array {
  const fresh = encode(tree, options);
  if (tree.rawBlob && !options.pad && !options.reserveSlots && sameIgnoringPadding(fresh, tree.rawBlob)) return tree.rawBlob.slice();
  return fresh;
}

/**
 * The blob fdtoverlay would edit for `tree`: the bytes libfdt last produced for it, or the ones it was
 * read from, while the tree still encodes to the same content (stale padding bytes kept, as libfdt
 * keeps them); else dtc's encoding of it.
 */
export function blobToEdit(tree: DtTree): Uint8Array {
  const fresh = encode(tree, {});
  for (const raw of [tree.rawBlob, tree.sourceBlob]) if (raw && sameIgnoringPadding(fresh, raw)) return raw.slice();
  return fresh;
}

/** True when `raw` is `fresh` except for the alignment padding bytes inside its struct block. */
function sameIgnoringPadding(fresh: Uint8Array, raw: Uint8Array): boolean {
  if (fresh.length !== raw.length) return false;
  const view = new DataView(fresh.buffer, fresh.byteOffset, fresh.byteLength);
  const offStruct = view.getUint32(8);
  const sizeStruct = view.getUint32(36);
  let i = 0;
  // Header, memory reservations: byte for byte.
  for (; i < offStruct; i++) if (fresh[i] !== raw[i]) return false;
  let p = offStruct;
  const end = offStruct + sizeStruct;
  while (p < end) {
    const tag = view.getUint32(p);
    if (raw[p] !== fresh[p] || raw[p + 1] !== fresh[p + 1] || raw[p + 2] !== fresh[p + 2] || raw[p + 3] !== fresh[p + 3]) return false;
    p += 4;
    let content = p;
    if (tag === FDT_BEGIN_NODE) {
      while (fresh[content] !== 0) content++;
      content++;
    } else if (tag === FDT_PROP) content = p + 8 + view.getUint32(p);
    for (let k = p; k < content; k++) if (fresh[k] !== raw[k]) return false;
    p = (content + 3) & ~3;
  }
  for (i = end; i < fresh.length; i++) if (fresh[i] !== raw[i]) return false;
  return true;
}

function encode(tree: DtTree, options: WriteDtbOptions): Uint8Array {
  const strings = new StringTable();
  for (const s of tree.stringTable ?? []) strings.add(s);
  const struct = flatten(tree, strings);
  const strBytes = strings.bytes();
  const reserves = tree.memreserve.length + (options.reserveSlots ?? 0) + 1;
  const offRsv = 40;
  const offStruct = offRsv + reserves * 16;
  const offStrings = offStruct + struct.len;
  const used = offStrings + strBytes.length;
  const total = used + (options.pad ?? 0);
  const blob = new Uint8Array(total);
  const view = new DataView(blob.buffer);
  view.setUint32(0, FDT_MAGIC);
  view.setUint32(4, total);
  view.setUint32(8, offStruct);
  view.setUint32(12, offStrings);
  view.setUint32(16, offRsv);
  view.setUint32(20, 17);
  view.setUint32(24, 16);
  view.setUint32(28, tree.bootCpuid >>> 0);
  view.setUint32(32, strBytes.length);
  view.setUint32(36, struct.len);
  let p = offRsv;
  for (const r of tree.memreserve) {
    view.setBigUint64(p, BigInt.asUintN(64, r.address));
    view.setBigUint64(p + 8, BigInt.asUintN(64, r.size));
    p += 16;
  }
  blob.set(struct.buf.subarray(0, struct.len), offStruct);
  blob.set(strBytes, offStrings);
  return blob;
}
