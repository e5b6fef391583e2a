// Tree resolution after parsing, in dtc's order (dtc.c main → checks.c fixups → livetree.c generators):
// the structural error checks that gate output, explicit phandles, phandle and path reference fixups
// (phandles allocated on first reference, counting up from 1, skipping taken values), /omit-if-no-ref/,
// then `-@` __symbols__ and, for plugins, __fixups__ and __local_fixups__. Finally the live tree is
// lowered into the public model (deleted things dropped).
import type { Diagnostic, SourceSpan } from '../common';
import { decodeLatin1, textBytes } from './lex';
import {
  ByteData, addChild, buildLabelIndex, deleteNode, getLiveChild, getLiveProperty, liveNodeByRef, livePath, liveWalk, newNode, newProperty,
  type LiveNode, type LiveProperty, type LiveTree,
} from './live';
import { createNode, createTree, type DtNode, type DtProperty, type DtTree } from './tree';

const NODECHARS = /^[a-zA-Z0-9,._+\-@]*$/;
const PROPCHARS = /^[a-zA-Z0-9,._+*#?-]*$/;

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
    const span = prop?.span ?? node.span;
    const d: Diagnostic = { severity, code, message, nodePath: prop ? `${livePath(node)}:${prop.name}` : livePath(node) };
    if (span) d.span = span;
    if (!prop && node.alsoAt.length) d.alsoAt = node.alsoAt;
    this.diagnostics.push(d);
  }

  structuralChecks(): void {
    const root = this.tree.root;
    for (const node of liveWalk(root)) {
      // duplicate_node_names: a live child followed by any sibling of the same name.
      if (node.children.length > 1) {
        const seen = new Map<string, number>();
        node.children.forEach((c, i) => {
          const first = seen.get(c.name);
          if (first === undefined) seen.set(c.name, i);
          else if (node.children.slice(0, i).some((o) => o.name === c.name && !o.deleted)) this.report('error', 'duplicate_node_names', c, undefined, 'Duplicate node name');
        });
      }
      if (node.props.length > 1) {
        const seen = new Set<string>();
        for (let i = node.props.length - 1; i >= 0; i--) {
          const p = node.props[i]!;
          if (p.deleted) continue;
          if (seen.has(p.name)) this.report('error', 'duplicate_property_names', node, p, 'Duplicate property name');
          seen.add(p.name);
        }
      }
      if (!NODECHARS.test(node.name)) {
        const bad = [...node.name].find((ch) => !NODECHARS.test(ch));
        this.report('error', 'node_name_chars', node, undefined, `Bad character '${bad}' in node name`);
      } else if (node.name.indexOf('@') >= 0 && node.name.indexOf('@', node.name.indexOf('@') + 1) >= 0) {
        this.report('error', 'node_name_format', node, undefined, "multiple '@' characters in node name");
      }
      for (const p of node.props) {
        if (p.deleted || PROPCHARS.test(p.name)) continue;
        const bad = [...p.name].find((ch) => !PROPCHARS.test(ch));
        this.report('error', 'property_name_chars', node, p, `Bad character '${bad}' in property name`);
      }
      this.nameProperty(node);
    }
    this.duplicateLabels();
  }

  /** checks.c check_name_properties: a correct `name` property is redundant and removed. */
  private nameProperty(node: LiveNode): void {
    const i = node.props.findIndex((p) => p.name === 'name');
    if (i < 0) return;
    const p = node.props[i]!;
    const v = p.data.value();
    const base = node.name.split('@')[0]!;
    const isString = v.length > 0 && v[v.length - 1] === 0 && v.indexOf(0) === v.length - 1;
    if (!p.deleted && !isString) {
      this.report('error', 'name_is_string', node, p, 'property is not a string');
      return;
    }
    const baseBytes = textBytes(base);
    if (v.length !== baseBytes.length + 1 || baseBytes.some((b, k) => v[k] !== b)) {
      this.report('error', 'name_properties', node, undefined, `"name" property is incorrect ("${decodeLatin1(v.subarray(0, Math.max(0, v.indexOf(0))))}" instead of base node name)`);
    } else node.props.splice(i, 1);
  }

  private duplicateLabels(): void {
    // Owner of each label in dtc's lookup order: node labels, then property labels, then value labels.
    type Owner = { node: LiveNode; prop?: LiveProperty; marker?: number };
    const nodeOwner = new Map<string, Owner>();
    const propOwner = new Map<string, Owner>();
    const markOwner = new Map<string, Owner>();
    const occurrences: [string, Owner][] = [];
    for (const node of liveWalk(this.tree.root)) {
      for (const l of node.labels) {
        if (l.deleted) continue;
        if (!nodeOwner.has(l.name)) nodeOwner.set(l.name, { node });
        occurrences.push([l.name, { node }]);
      }
      for (const prop of node.props) {
        if (prop.deleted) continue;
        for (const l of prop.labels) {
          if (l.deleted) continue;
          if (!propOwner.has(l.name)) propOwner.set(l.name, { node, prop });
          occurrences.push([l.name, { node, prop }]);
        }
        prop.data.markers.forEach((m, k) => {
          if (m.kind !== 'label') return;
          if (!markOwner.has(m.ref!)) markOwner.set(m.ref!, { node, prop, marker: k });
          occurrences.push([m.ref!, { node, prop, marker: k }]);
        });
      }
    }
    const describe = (o: Owner) => `${o.marker !== undefined ? 'value of ' : ''}${o.prop ? `'${o.prop.name}' in ` : ''}${livePath(o.node)}`;
    for (const [label, o] of occurrences) {
      const other = nodeOwner.get(label) ?? propOwner.get(label) ?? markOwner.get(label)!;
      if (other.node !== o.node || other.prop !== o.prop || other.marker !== o.marker) {
        this.report('error', 'duplicate_label', o.node, undefined, `Duplicate label '${label}' on ${describe(o)} and ${describe(other)}`);
      }
    }
  }

  /** checks.c check_explicit_phandles. */
  explicitPhandles(): void {
    for (const node of liveWalk(this.tree.root)) {
      const ph = this.phandleProp(node, 'phandle');
      const lph = this.phandleProp(node, 'linux,phandle');
      if (!ph && !lph) continue;
      if (ph && lph && ph !== lph) this.report('error', 'explicit_phandles', node, undefined, "mismatching 'phandle' and 'linux,phandle' properties");
      const value = ph || lph;
      const other = this.ownerOf(value);
      if (other && other !== node) {
        this.report('error', 'explicit_phandles', node, undefined, `duplicated phandle 0x${value.toString(16)} (seen before at ${livePath(other)})`);
        continue;
      }
      this.setPhandle(node, value);
    }
  }

  private phandleProp(node: LiveNode, name: string): number {
    const prop = getLiveProperty(node, name);
    if (!prop) return 0;
    if (prop.data.length !== 4) {
      this.report('error', 'explicit_phandles', node, prop, `bad length (${prop.data.length}) ${name} property`);
      return 0;
    }
    const ref = prop.data.markers.find((m) => m.kind === 'ref-phandle');
    if (ref) {
      if (liveNodeByRef(this.tree.root, ref.ref!) !== node) this.report('error', 'explicit_phandles', node, undefined, `${name} is a reference to another node`);
      return 0;
    }
    const b = prop.data.bytes;
    const v = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (v === 0 || v === 0xffffffff) {
      this.report('error', 'explicit_phandles', node, prop, `bad value (0x${v.toString(16)}) in ${name} property`);
      return 0;
    }
    return v;
  }

  private ownerOf(phandle: number): LiveNode | undefined {
    const owners = this.phandleOwners.get(phandle);
    return owners?.find((n) => !n.deleted);
  }

  private setPhandle(node: LiveNode, value: number): void {
    node.phandle = value;
    const owners = this.phandleOwners.get(value);
    if (owners) owners.push(node);
    else this.phandleOwners.set(value, [node]);
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

  /** checks.c fixup_phandle_references, fixup_path_references, fixup_omit_unused_nodes. */
  references(symbols: boolean): void {
    const root = this.tree.root;
    const labels = buildLabelIndex(root);
    for (const node of liveWalk(root)) {
      for (const prop of node.props) {
        if (prop.deleted) continue;
        for (const m of prop.data.markers) {
          if (m.kind !== 'ref-phandle') continue;
          const target = liveNodeByRef(root, m.ref!, labels);
          if (!target) {
            if (!this.tree.plugin) this.report('error', 'phandle_references', node, undefined, `Reference to non-existent node or label "${m.ref}"`);
            else prop.data.setU32(m.offset, 0xffffffff);
            continue;
          }
          prop.data.setU32(m.offset, this.phandleFor(target));
          target.isReferenced = true;
        }
      }
    }
    for (const node of liveWalk(root)) {
      for (const prop of node.props) {
        if (prop.deleted) continue;
        const markers = prop.data.markers;
        for (let i = 0; i < markers.length; i++) {
          const m = markers[i]!;
          if (m.kind !== 'ref-path') continue;
          const target = liveNodeByRef(root, m.ref!, labels);
          if (!target) {
            this.report('error', 'path_references', node, undefined, `Reference to non-existent node or label "${m.ref}"`);
            continue;
          }
          const path = textBytes(livePath(target));
          const withNul = new Uint8Array(path.length + 1);
          withNul.set(path);
          prop.data.insertAtMarker(i, withNul);
          target.isReferenced = true;
        }
      }
    }
    // Pre-order, so a deleted node's subtree is skipped just as check_nodes_props skips it.
    for (const node of liveWalk(root)) {
      if (node.deleted) continue;
      if (symbols && node.labels.length) continue;
      if (node.omitIfUnused && !node.isReferenced) deleteNode(node);
    }
  }

  private rootChild(name: string): LiveNode {
    const existing = getLiveChild(this.tree.root, name);
    if (existing) return existing;
    const n = newNode(name);
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
  r.structuralChecks();
  r.explicitPhandles();
  r.references(!!options.symbols);
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
    for (const c of ln.children) {
      if (c.deleted) continue;
      const child = lowerNode(c, dn);
      dn.children.push(child);
      stack.push([c, child]);
    }
  }
  return tree;
}

function lowerNode(ln: LiveNode, parent: DtNode | null): DtNode {
  const dn = createNode(ln.name, parent, ln.span);
  for (const l of ln.labels) if (!l.deleted) dn.labels.push(l.name);
  if (ln.alsoAt.length) dn.alsoAt = ln.alsoAt;
  if (ln.omitIfUnused) dn.omitIfNoRef = true;
  for (const p of ln.props) {
    if (p.deleted) continue;
    // The live tree is dropped after lowering: its markers move over as they are.
    const prop: DtProperty = { name: p.name, value: p.data.value(), labels: [], markers: p.data.markers };
    for (const l of p.labels) if (!l.deleted) prop.labels.push(l.name);
    if (p.span) prop.span = p.span as SourceSpan;
    dn.properties.push(prop);
  }
  return dn;
}
