// The compiler's working tree while a source is parsed and resolved: dtc's livetree.c (`struct node`,
// `struct property`, `struct label`, `struct data` with markers) including what the public model drops:
// deletion flags, label lists in dtc's order, phandle and reference bookkeeping. Deleted things stay in
// place because dtc revives them in place when a later override redefines them (livetree.c merge_nodes).
import type { SourceSpan } from '../common';
import type { Marker } from './tree';

export interface LiveLabel {
  name: string;
  deleted: boolean;
}

/** dtc's `struct data`: bytes plus markers ordered by offset (data.c). */
export class ByteData {
  bytes: Uint8Array;
  length = 0;
  markers: Marker[] = [];

  constructor(capacity = 16) {
    this.bytes = new Uint8Array(capacity);
  }

  static of(bytes: Uint8Array): ByteData {
    const d = new ByteData(0);
    d.bytes = bytes;
    d.length = bytes.length;
    return d;
  }

  private grow(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    let cap = Math.max(16, this.bytes.length * 2);
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  addMarker(kind: Marker['kind'], ref?: string): void {
    const m: Marker = { kind, offset: this.length };
    if (ref !== undefined) m.ref = ref;
    this.markers.push(m);
  }

  appendByte(b: number): void {
    this.grow(1);
    this.bytes[this.length++] = b & 0xff;
  }

  appendBytes(src: Uint8Array): void {
    this.grow(src.length);
    this.bytes.set(src, this.length);
    this.length += src.length;
  }

  appendU32(v: number): void {
    this.grow(4);
    const b = this.bytes;
    const p = this.length;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.length += 4;
  }

  /** Big-endian integer of `bits` width (dtc data_append_integer). */
  appendInteger(v: bigint, bits: number): void {
    if (bits === 32) return this.appendU32(Number(BigInt.asUintN(32, v)));
    const n = bits / 8;
    this.grow(n);
    let x = BigInt.asUintN(bits, v);
    for (let i = n - 1; i >= 0; i--) {
      this.bytes[this.length + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    this.length += n;
  }

  setU32(offset: number, v: number): void {
    const b = this.bytes;
    b[offset] = (v >>> 24) & 0xff;
    b[offset + 1] = (v >>> 16) & 0xff;
    b[offset + 2] = (v >>> 8) & 0xff;
    b[offset + 3] = v & 0xff;
  }

  /** Appends another value, shifting its markers (data_merge). */
  merge(other: ByteData): void {
    const base = this.length;
    this.appendBytes(other.bytes.subarray(0, other.length));
    for (const m of other.markers) this.markers.push({ ...m, offset: m.offset + base });
  }

  /** Inserts bytes at a marker and shifts every later marker (data_insert_at_marker). */
  insertAtMarker(markerIndex: number, src: Uint8Array): void {
    const at = this.markers[markerIndex]!.offset;
    this.grow(src.length);
    this.bytes.copyWithin(at + src.length, at, this.length);
    this.bytes.set(src, at);
    this.length += src.length;
    for (let i = markerIndex + 1; i < this.markers.length; i++) this.markers[i]!.offset += src.length;
  }

  value(): Uint8Array {
    return this.length === this.bytes.length ? this.bytes : this.bytes.slice(0, this.length);
  }
}

export interface LiveProperty {
  name: string;
  data: ByteData;
  labels: LiveLabel[];
  deleted: boolean;
  span?: SourceSpan;
}

export interface LiveNode {
  name: string;
  labels: LiveLabel[];
  props: LiveProperty[];
  children: LiveNode[];
  parent: LiveNode | null;
  deleted: boolean;
  span?: SourceSpan;
  alsoAt: SourceSpan[];
  omitIfUnused: boolean;
  isReferenced: boolean;
  /** 0 = none yet; set from an explicit `phandle` or when a reference first needs one. */
  phandle: number;
  /** Made by the resolver after the checks (`__symbols__`, `__fixups__`, `__local_fixups__`). */
  generated?: true;
}

export interface LiveReserve {
  address: bigint;
  size: bigint;
  labels: LiveLabel[];
}

export interface LiveTree {
  root: LiveNode;
  reserves: LiveReserve[];
  plugin: boolean;
  bootCpuid: number;
}

export function newNode(name: string, span?: SourceSpan): LiveNode {
  const n: LiveNode = { name, labels: [], props: [], children: [], parent: null, deleted: false, alsoAt: [], omitIfUnused: false, isReferenced: false, phandle: 0 };
  if (span) n.span = span;
  return n;
}

export function newProperty(name: string, data: ByteData, span?: SourceSpan): LiveProperty {
  const p: LiveProperty = { name, data, labels: [], deleted: false };
  if (span) p.span = span;
  return p;
}

/** livetree.c add_label: revive an existing one, else put the new label first. */
export function addLabel(labels: LiveLabel[], name: string): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l.name === name) {
      l.deleted = false;
      return;
    }
  }
  labels.unshift({ name, deleted: false });
}

export function liveLabels(labels: LiveLabel[]): string[] {
  const out: string[] = [];
  for (const l of labels) if (!l.deleted) out.push(l.name);
  return out;
}

export function addChild(parent: LiveNode, child: LiveNode): void {
  child.parent = parent;
  parent.children.push(child);
}

export function getLiveProperty(node: LiveNode, name: string): LiveProperty | undefined {
  const ps = node.props;
  for (let i = 0; i < ps.length; i++) if (!ps[i]!.deleted && ps[i]!.name === name) return ps[i];
  return undefined;
}

export function getLiveChild(node: LiveNode, name: string): LiveNode | undefined {
  const cs = node.children;
  for (let i = 0; i < cs.length; i++) if (!cs[i]!.deleted && cs[i]!.name === name) return cs[i];
  return undefined;
}

function deleteProperty(prop: LiveProperty): void {
  prop.deleted = true;
  for (const l of prop.labels) l.deleted = true;
}

/** livetree.c delete_node: the node, its live subtree, their properties and labels. */
export function deleteNode(node: LiveNode): void {
  const stack: LiveNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    n.deleted = true;
    for (const p of n.props) if (!p.deleted) deleteProperty(p);
    for (const l of n.labels) l.deleted = true;
    for (const c of n.children) if (!c.deleted) stack.push(c);
  }
}

function deleteChildByName(parent: LiveNode, name: string): void {
  for (const c of parent.children) {
    if (c.name === name) {
      deleteNode(c);
      return;
    }
  }
}

function deletePropertyByName(node: LiveNode, name: string): void {
  for (const p of node.props) {
    if (p.name === name) {
      deleteProperty(p);
      return;
    }
  }
}

/**
 * livetree.c merge_nodes: fold a freshly parsed body into an existing node. Properties replace in
 * place, new ones append; children merge by exact name, new ones append. Walked with an explicit
 * stack (in exactly dtc's recursive order) so deep overrides cannot overflow.
 */
export function mergeNodes(oldRoot: LiveNode, newRoot: LiveNode): LiveNode {
  interface Frame {
    old: LiveNode;
    neu: LiveNode;
    next: number;
  }
  const start = (old: LiveNode, neu: LiveNode): Frame => {
    old.deleted = false;
    // for_each_label_withdel walks the new list head first, prepending each to the old list.
    for (let i = 0; i < neu.labels.length; i++) addLabel(old.labels, neu.labels[i]!.name);
    const nps = neu.props;
    const ops = old.props;
    for (let i = 0; i < nps.length; i++) {
      const np = nps[i]!;
      if (np.deleted) {
        deletePropertyByName(old, np.name);
        continue;
      }
      let merged = false;
      for (let k = 0; k < ops.length; k++) {
        const op = ops[k]!;
        if (op.name === np.name) {
          for (let j = 0; j < np.labels.length; j++) addLabel(op.labels, np.labels[j]!.name);
          op.data = np.data;
          op.deleted = false;
          if (np.span) op.span = np.span;
          else delete op.span;
          merged = true;
          break;
        }
      }
      if (!merged) ops.push(np);
    }
    return { old, neu, next: 0 };
  };
  const stack: Frame[] = [start(oldRoot, newRoot)];
  while (stack.length) {
    const f = stack[stack.length - 1]!;
    if (f.next >= f.neu.children.length) {
      if (f.neu.span) f.old.alsoAt.push(f.neu.span);
      for (const s of f.neu.alsoAt) f.old.alsoAt.push(s);
      if (!f.old.span && f.old.alsoAt.length) f.old.span = f.old.alsoAt.shift()!;
      stack.pop();
      continue;
    }
    const child = f.neu.children[f.next++]!;
    if (child.deleted) {
      deleteChildByName(f.old, child.name);
      continue;
    }
    let target: LiveNode | undefined;
    const ocs = f.old.children;
    for (let i = 0; i < ocs.length; i++) {
      if (ocs[i]!.name === child.name) {
        target = ocs[i];
        break;
      }
    }
    if (target) stack.push(start(target, child));
    else addChild(f.old, child);
  }
  return oldRoot;
}

/** The live nodes in pre-order (for_each_child skips deleted ones), collected iteratively. */
export function liveWalk(root: LiveNode): LiveNode[] {
  const out: LiveNode[] = [];
  if (root.deleted) return out;
  const stack: LiveNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    const cs = n.children;
    for (let i = cs.length - 1; i >= 0; i--) if (!cs[i]!.deleted) stack.push(cs[i]!);
  }
  return out;
}

/** dtc's fullpath (fill_fullpaths/join_path), computed on demand so deep trees stay linear in memory. */
export function livePath(node: LiveNode): string {
  if (!node.parent) return '/';
  const parts: string[] = [];
  for (let n: LiveNode | null = node; n && n.parent; n = n.parent) parts.push(n.name);
  return '/' + parts.reverse().join('/');
}

/** livetree.c get_node_by_path: exact names, live children only. */
export function liveNodeByPath(root: LiveNode, path: string): LiveNode | undefined {
  if (path === '' ) return root.deleted ? undefined : root;
  let node: LiveNode | undefined = root;
  let i = 0;
  while (node) {
    while (path[i] === '/') i++;
    if (i >= path.length) return node;
    const slash = path.indexOf('/', i);
    const part = slash < 0 ? path.slice(i) : path.slice(i, slash);
    node = getLiveChild(node, part);
    if (slash < 0) return node;
    i = slash + 1;
    if (i >= path.length) return node;
  }
  return undefined;
}

/** livetree.c get_node_by_label: first live node in pre-order carrying the live label. */
export function liveNodeByLabel(root: LiveNode, label: string): LiveNode | undefined {
  if (root.deleted) return undefined;
  const stack: LiveNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    const ls = n.labels;
    for (let i = 0; i < ls.length; i++) if (ls[i]!.name === label && !ls[i]!.deleted) return n;
    const cs = n.children;
    for (let i = cs.length - 1; i >= 0; i--) if (!cs[i]!.deleted) stack.push(cs[i]!);
  }
  return undefined;
}

/** get_node_by_ref: `/` is the root, `/path` a path, anything else a label. */
export function liveNodeByRef(root: LiveNode, ref: string, labelIndex?: Map<string, LiveNode>): LiveNode | undefined {
  if (ref === '/') return root;
  if (ref.startsWith('/')) return liveNodeByPath(root, ref);
  if (labelIndex) return labelIndex.get(ref);
  return liveNodeByLabel(root, ref);
}

export function buildLabelIndex(root: LiveNode): Map<string, LiveNode> {
  const index = new Map<string, LiveNode>();
  const nodes = liveWalk(root);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    for (let k = 0; k < n.labels.length; k++) {
      const l = n.labels[k]!;
      if (!l.deleted && !index.has(l.name)) index.set(l.name, n);
    }
  }
  return index;
}
