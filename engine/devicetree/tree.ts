// The one device tree model every stage reads and writes (dtc's `struct node` / `struct property` /
// `struct data` in dtc.h). The DTS parser, the DTB reader and the overlay applier produce it; the DTB
// writer, DTS printer, JSON writer, checks and the probe model consume it.
import type { SourceSpan } from '../common';

/**
 * A typed position inside a property value (dtc's `struct marker`). Markers let the DTS printer print
 * a value the way it was written, let the resolver patch phandle/path references, and let `-@` / plugins
 * emit `__fixups__` and `__local_fixups__`.
 */
export type MarkerKind =
  | 'type-uint8' // a run of bytes written as [..] or /bits/ 8 <..>
  | 'type-uint16'
  | 'type-uint32'
  | 'type-uint64'
  | 'type-string'
  | 'ref-phandle' // 4 bytes at offset hold the phandle of `ref`
  | 'ref-path' // a NUL-terminated path string of `ref` starts at offset
  | 'label'; // a label placed inside the value at offset

export interface Marker {
  kind: MarkerKind;
  offset: number;
  /** Label name, or the reference as written: `label`, `/path/to/node` or `label/sub/path`. */
  ref?: string;
}

export interface DtProperty {
  name: string;
  value: Uint8Array;
  labels: string[];
  markers: Marker[];
  span?: SourceSpan;
}

export interface DtNode {
  /** Full node name with unit address, e.g. `serial@9000000`; `''` for the root. */
  name: string;
  labels: string[];
  properties: DtProperty[];
  children: DtNode[];
  parent: DtNode | null;
  /** Where the node was first defined; later merges extend `alsoAt`. */
  span?: SourceSpan;
  alsoAt?: SourceSpan[];
  /** `/omit-if-no-ref/` was applied to this node. */
  omitIfNoRef?: boolean;
  /**
   * Compiled from source, the node had children that were deleted (`/delete-node/`, or
   * `/omit-if-no-ref/` unreferenced). dtc keeps deleted nodes in its tree, marked, and some of its
   * checks ask whether a node has children at all, deleted ones included.
   */
  hadDeletedChildren?: true;
  /**
   * Made by the compiler after dtc's checks have run: `/__symbols__` (-@), and a plugin's
   * `/__fixups__` and `/__local_fixups__`. The checks pass over it, as dtc's never see it.
   */
  generated?: true;
}

export interface MemReserve {
  address: bigint;
  size: bigint;
  labels?: string[];
}

export interface DtTree {
  root: DtNode;
  memreserve: MemReserve[];
  bootCpuid: number;
  /** Compiled from a `/plugin/` source (an overlay). */
  isPlugin: boolean;
  /** The file the tree was read from (for diagnostics). */
  source?: string;
  /**
   * Property names in the order of a blob's strings block, when the tree came from (or was merged
   * into) a blob: the DTB writer seeds its table with them, as libfdt keeps a blob's strings when it
   * edits one (fdtoverlay). Absent for trees compiled from source.
   */
  stringTable?: string[];
  /**
   * The exact bytes libfdt produced for this tree (fdtoverlay output keeps stale bytes in padding).
   * writeDtb returns them as long as the tree still encodes to the same content.
   */
  rawBlob?: Uint8Array;
  /**
   * The blob the tree was read from. fdtoverlay edits the blob it is given in place, stale bytes in
   * its padding and all, so an overlay applied to this tree starts from these bytes while the tree
   * still encodes to the same content. (writeDtb does not use them: `dtc -I dtb -O dtb` writes the
   * tree anew.)
   */
  sourceBlob?: Uint8Array;
  /** Node labels were recovered from a blob's /__symbols__ (dtc -I dtb does not print those). */
  labelsFromSymbols?: boolean;
}

// ---- construction -------------------------------------------------------------------------------

export function createNode(name: string, parent: DtNode | null = null, span?: SourceSpan): DtNode {
  const node: DtNode = { name, labels: [], properties: [], children: [], parent };
  if (span) node.span = span;
  return node;
}

export function createTree(root: DtNode = createNode('')): DtTree {
  return { root, memreserve: [], bootCpuid: 0, isPlugin: false };
}

// ---- lookup -------------------------------------------------------------------------------------

/** `/soc/serial@9000000`; `/` for the root. */
export function nodePath(node: DtNode): string {
  if (!node.parent) return '/';
  const parts: string[] = [];
  for (let n: DtNode | null = node; n && n.parent; n = n.parent) parts.push(n.name);
  return '/' + parts.reverse().join('/');
}

/** The name without its unit address: `serial` for `serial@9000000`. */
export function baseName(node: DtNode): string {
  const at = node.name.indexOf('@');
  return at < 0 ? node.name : node.name.slice(0, at);
}

/** The unit address as written, or `''`. */
export function unitAddress(node: DtNode): string {
  const at = node.name.indexOf('@');
  return at < 0 ? '' : node.name.slice(at + 1);
}

export function getProperty(node: DtNode, name: string): DtProperty | undefined {
  // An index loop: the checks ask per node and property, and in a one-board run this is still
  // interpreted, where for-of pays an iterator step per property.
  const ps = node.properties;
  for (let i = 0; i < ps.length; i++) if (ps[i]!.name === name) return ps[i];
  return undefined;
}

export function getChild(node: DtNode, name: string): DtNode | undefined {
  for (const c of node.children) if (c.name === name) return c;
  // dtc's get_subnode also matches a name given without unit address when it is unique by base name
  return undefined;
}

/** Looks up `/a/b@1/c`. A component without `@` also matches a child whose base name is equal (as dtc does). */
export function findNodeByPath(tree: DtTree, path: string): DtNode | undefined {
  if (!path.startsWith('/')) return undefined;
  let node: DtNode | undefined = tree.root;
  for (const part of path.split('/')) {
    if (!part) continue;
    if (!node) return undefined;
    const exact: DtNode | undefined = getChild(node, part);
    if (exact) {
      node = exact;
      continue;
    }
    if (part.includes('@')) return undefined;
    node = node.children.find((c) => baseName(c) === part);
  }
  return node;
}

export function* walk(node: DtNode): Generator<DtNode> {
  // Iterative pre-order so 10,000-deep trees do not blow the stack.
  const stack: DtNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

/**
 * The nodes in walk's order, as an array: for a pass over every node, where resuming a generator per
 * node costs more than the pass itself in a short, interpreted run.
 */
export function preorder(node: DtNode): DtNode[] {
  const out: DtNode[] = [];
  const stack: DtNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

export function findNodeByLabel(tree: DtTree, label: string): DtNode | undefined {
  for (const n of walk(tree.root)) if (n.labels.includes(label)) return n;
  return undefined;
}

// ---- value decoding -----------------------------------------------------------------------------

export function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** The value as big-endian 32-bit cells (a trailing partial cell is ignored). */
export function cells(prop: DtProperty): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= prop.value.length; i += 4) out.push(readU32(prop.value, i));
  return out;
}

export function u32Prop(node: DtNode, name: string): number | undefined {
  const p = getProperty(node, name);
  return p && p.value.length >= 4 ? readU32(p.value, 0) : undefined;
}

const latin1 = (bytes: Uint8Array, start: number, end: number): string => {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
};

/** The value as a NUL-separated string list (`compatible`, `clock-names`, ...). */
export function strings(prop: DtProperty): string[] {
  const out: string[] = [];
  let start = 0;
  const v = prop.value;
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) {
      out.push(latin1(v, start, i));
      start = i + 1;
    }
  }
  if (start < v.length) out.push(latin1(v, start, v.length));
  return out;
}

export function stringProp(node: DtNode, name: string): string | undefined {
  const p = getProperty(node, name);
  return p ? strings(p)[0] : undefined;
}

export function stringListProp(node: DtNode, name: string): string[] {
  const p = getProperty(node, name);
  return p ? strings(p) : [];
}

/** `status` absent, "okay" or "ok" (of_device_is_available). */
export function isAvailable(node: DtNode): boolean {
  const s = stringProp(node, 'status');
  return s === undefined || s === 'okay' || s === 'ok';
}

/** The node's phandle from `phandle` or `linux,phandle`, if it has one. */
export function phandleOf(node: DtNode): number | undefined {
  return u32Prop(node, 'phandle') ?? u32Prop(node, 'linux,phandle');
}

/** phandle → node, for resolving `iommus`, `clocks`, ... in a resolved tree. */
export function phandleIndex(tree: DtTree): Map<number, DtNode> {
  const map = new Map<number, DtNode>();
  const nodes = preorder(tree.root);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const ph = phandleOf(n);
    if (ph !== undefined && ph !== 0 && ph !== 0xffffffff) map.set(ph, n);
  }
  return map;
}

/** `#address-cells` / `#size-cells` that apply to a node's `reg` (its parent's; defaults 2 and 1). */
export function addressCellsFor(node: DtNode): { address: number; size: number } {
  const parent = node.parent;
  if (!parent) return { address: 2, size: 1 };
  return { address: u32Prop(parent, '#address-cells') ?? 2, size: u32Prop(parent, '#size-cells') ?? 1 };
}
