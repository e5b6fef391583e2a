// Tree resolution after parsing, in dtc's order (dtc.c main → checks.c fixups → livetree.c generators):
// the ERROR checks of the checks table in checks.ts (explicit_phandles fills the phandle table, the
// reference checks fix up phandles and paths: phandles allocated on first reference, counting up from 1,
// skipping taken values), /omit-if-no-ref/, then `-@` __symbols__ and, for plugins, __fixups__ and
// __local_fixups__. Finally the live tree is lowered into the public model (deleted things dropped).
import { addTo, type Diagnostic, type SourceSpan } from '../common';
import { liveDiagnostic, runSourceChecks } from './checks';
import { textBytes } from './lex';
import {
  ByteData, addChild, buildLabelIndex, deleteNode, getLiveChild, getLiveProperty, liveNodeByRef, livePath, liveWalk, newNode, newProperty,
  type LiveNode, type LiveProperty, type LiveTree,
} from './live';
import { createNode, createTree, type DtNode, type DtProperty, type DtTree } from './tree';

export interface ResolveOptions {
  /** dtc -@: emit /__symbols__ and give every labelled node a phandle. */
  symbols?: boolean;
}

class Resolver {
  readonly diagnostics: Diagnostic[] = [];
  private phandleOwners = new Map<number, LiveNode[]>();
  private nextPhandle = 1;

  constructor(private readonly tree: LiveTree) {}

  private report(severity: 'error' | 'warning', code: string, node: LiveNode, prop: LiveProperty | undefined, message: string): void {
    this.diagnostics.push(liveDiagnostic(severity, code, node, prop, message));
  }

  /** The ERROR checks of the checks table, with this resolver's phandle table. */
  errorChecks(): void {
    this.diagnostics.push(...runSourceChecks(this.tree, { phandleOwner: (v) => this.ownerOf(v), setPhandle: (n, v) => this.setPhandle(n, v), phandleFor: (n) => this.phandleFor(n) }));
  }

  private ownerOf(phandle: number): LiveNode | undefined {
    const owners = this.phandleOwners.get(phandle);
    return owners?.find((n) => !n.deleted);
  }

  private setPhandle(node: LiveNode, value: number): void {
    node.phandle = value;
    addTo(this.phandleOwners, value, node);
  }

  /** livetree.c get_node_phandle: allocate on first need and add a `phandle` property. */
  phandleFor(node: LiveNode): number {
    if (node.phandle !== 0 && node.phandle !== 0xffffffff) return node.phandle;
    while (this.ownerOf(this.nextPhandle)) this.nextPhandle++;
    this.setPhandle(node, this.nextPhandle);
    if (!getLiveProperty(node, 'phandle')) {
      const d = new ByteData(4);
      d.addMarker('type-uint32');
      d.appendU32(node.phandle);
      node.props.push(newProperty('phandle', d));
    }
    return node.phandle;
  }

  /** checks.c fixup_omit_unused_nodes, after the reference checks have marked what is referenced. */
  omitUnused(symbols: boolean): void {
    const root = this.tree.root;
    // Pre-order, so a deleted node's subtree is skipped just as check_nodes_props skips it.
    const nodes = liveWalk(root);
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (node.deleted) continue;
      if (symbols && node.labels.length) continue;
      if (node.omitIfUnused && !node.isReferenced) deleteNode(node);
    }
  }

  private rootChild(name: string): LiveNode {
    const existing = getLiveChild(this.tree.root, name);
    if (existing) return existing;
    const n = newNode(name);
    n.generated = true;
    addChild(this.tree.root, n);
    return n;
  }

  /** livetree.c generate_label_tree(dti, "__symbols__", true). */
  symbols(): void {
    const root = this.tree.root;
    let any = false;
    for (const n of liveWalk(root)) if (n.labels.length) { any = true; break; }
    if (!any) return;
    const an = this.rootChild('__symbols__');
    for (const node of liveWalk(root)) {
      if (!node.labels.length) continue;
      for (const l of node.labels) {
        if (l.deleted) continue;
        if (getLiveProperty(an, l.name)) {
          this.diagnostics.push({ severity: 'warning', code: 'symbols', message: `label ${l.name} already exists in /__symbols__` });
          continue;
        }
        const d = new ByteData();
        d.addMarker('type-string');
        d.appendBytes(textBytes(livePath(node)));
        d.appendByte(0);
        an.props.push(newProperty(l.name, d));
      }
      this.phandleFor(node);
    }
  }

  /** livetree.c generate_fixups_tree / generate_local_fixups_tree. */
  fixups(): void {
    const root = this.tree.root;
    const labels = buildLabelIndex(root);
    const refs: { node: LiveNode; prop: LiveProperty; offset: number; ref: string; resolved: boolean }[] = [];
    for (const node of liveWalk(root)) {
      for (const prop of node.props) {
        if (prop.deleted) continue;
        for (const m of prop.data.markers) {
          if (m.kind === 'ref-phandle') refs.push({ node, prop, offset: m.offset, ref: m.ref!, resolved: !!liveNodeByRef(root, m.ref!, labels) });
        }
      }
    }
    if (refs.some((r) => !r.resolved)) {
      const fn = this.rootChild('__fixups__');
      for (const r of refs) {
        if (r.resolved) continue;
        const path = livePath(r.node);
        if (path.includes(':') || r.prop.name.includes(':')) {
          this.report('error', 'fixups', r.node, r.prop, 'arguments should not contain \':\'');
          continue;
        }
        appendToProperty(fn, r.ref, textBytes(`${path}:${r.prop.name}:${r.offset}\0`), 'type-string');
      }
    }
    if (refs.some((r) => r.resolved)) {
      const lfn = this.rootChild('__local_fixups__');
      for (const r of refs) {
        if (!r.resolved) continue;
        const names: string[] = [];
        for (let n: LiveNode | null = r.node; n && n.parent; n = n.parent) names.push(n.name);
        let wn = lfn;
        for (let i = names.length - 1; i >= 0; i--) {
          let next = getLiveChild(wn, names[i]!);
          if (!next) {
            next = newNode(names[i]!);
            addChild(wn, next);
          }
          wn = next;
        }
        const cell = new Uint8Array([(r.offset >>> 24) & 0xff, (r.offset >>> 16) & 0xff, (r.offset >>> 8) & 0xff, r.offset & 0xff]);
        appendToProperty(wn, r.prop.name, cell, 'type-uint32');
      }
    }
  }
}

function appendToProperty(node: LiveNode, name: string, bytes: Uint8Array, kind: 'type-string' | 'type-uint32'): void {
  let p = getLiveProperty(node, name);
  if (!p) {
    p = newProperty(name, new ByteData());
    node.props.push(p);
  }
  p.data.addMarker(kind, name);
  p.data.appendBytes(bytes);
}

/** Runs dtc's fixups and generators on a parsed tree; returns the error diagnostics found on the way. */
export function resolveLiveTree(tree: LiveTree, options: ResolveOptions = {}): Diagnostic[] {
  const r = new Resolver(tree);
  r.errorChecks();
  r.omitUnused(!!options.symbols);
  if (options.symbols) r.symbols();
  if (tree.plugin) r.fixups();
  return r.diagnostics;
}

/** Lowers the live tree into the public model, dropping deleted nodes, properties and labels. */
export function liveToTree(live: LiveTree): DtTree {
  const tree = createTree(lowerNode(live.root, null));
  tree.isPlugin = live.plugin;
  tree.bootCpuid = live.bootCpuid;
  for (const r of live.reserves) {
    const labels = r.labels.filter((l) => !l.deleted).map((l) => l.name);
    tree.memreserve.push(labels.length ? { address: r.address, size: r.size, labels } : { address: r.address, size: r.size });
  }
  const stack: [LiveNode, DtNode][] = [[live.root, tree.root]];
  while (stack.length) {
    const [ln, dn] = stack.pop()!;
    const cs = ln.children;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (c.deleted) {
        dn.hadDeletedChildren = true;
        continue;
      }
      const child = lowerNode(c, dn);
      dn.children.push(child);
      stack.push([c, child]);
    }
  }
  return tree;
}

function lowerNode(ln: LiveNode, parent: DtNode | null): DtNode {
  const dn = createNode(ln.name, parent, ln.span);
  for (let i = 0; i < ln.labels.length; i++) if (!ln.labels[i]!.deleted) dn.labels.push(ln.labels[i]!.name);
  if (ln.alsoAt.length) dn.alsoAt = ln.alsoAt;
  if (ln.omitIfUnused) dn.omitIfNoRef = true;
  if (ln.generated) dn.generated = true;
  const ps = ln.props;
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    if (p.deleted) continue;
    // The live tree is dropped after lowering: its markers move over as they are.
    const prop: DtProperty = { name: p.name, value: p.data.value(), labels: [], markers: p.data.markers };
    for (let k = 0; k < p.labels.length; k++) if (!p.labels[k]!.deleted) prop.labels.push(p.labels[k]!.name);
    if (p.span) prop.span = p.span as SourceSpan;
    dn.properties.push(prop);
  }
  return dn;
}
