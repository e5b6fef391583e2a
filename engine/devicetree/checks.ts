// dtc's checks (dtc checks.c), as one table: each entry has dtc's check name, its level, the function
// that runs it and the fixture test/fixtures/dts/bad-<name>.dts that trips it. The ERROR checks run on
// the source's live tree while it is resolved (they gate output, as in dtc); the warnings run on the
// public tree, a compiled source or a DTB alike. Positions come from the nodes' and properties' source
// spans; formatDiagnostic (engine/common) prints them as dtc does.
import type { Diagnostic } from '../common';
import { textBytes, decodeLatin1 } from './lex';
import { buildLabelIndex, getLiveProperty, liveNodeByRef, livePath, liveWalk, type LiveNode, type LiveProperty, type LiveTree } from './live';
import { getProperty, nodePath, phandleIndex, preorder, readU32, type DtNode, type DtProperty, type DtTree } from './tree';

interface CheckContext {
  tree: DtTree;
  phandles: Map<number, DtNode>;
  report(node: DtNode, prop: DtProperty | undefined, message: string): void;
}

/**
 * What an error check sees: the live tree being resolved (deleted things still present, references not
 * yet fixed up) and the resolver's phandle table, which explicit_phandles fills before references are.
 */
export interface SourceCheckContext {
  tree: LiveTree;
  report(node: LiveNode, prop: LiveProperty | undefined, message: string): void;
  phandleOwner(value: number): LiveNode | undefined;
  setPhandle(node: LiveNode, value: number): void;
  /** livetree.c get_node_phandle: the node's phandle, allocated (and its property added) on first need. */
  phandleFor(node: LiveNode): number;
  /** Labels to nodes, built once the label checks have run. */
  labels(): Map<string, LiveNode>;
  /** Every node, in walk order (liveWalk), walked once for all the checks: none adds or deletes a node. */
  nodes(): LiveNode[];
}

/** A check on the source's live tree, run once per node, or once over the whole tree. */
interface SourceCheck {
  name: string;
  level: 'error';
  on: 'source';
  node?(ctx: SourceCheckContext, node: LiveNode): void;
  tree?(ctx: SourceCheckContext): void;
}

/**
 * A check on the public tree, run once per node; or, when it names a `property`, once per node that
 * has one (the first of that name, as getProperty finds it), which it is handed.
 */
interface TreeCheck {
  name: string;
  level: 'warning';
  on: 'tree';
  property?: string;
  fn(ctx: CheckContext, node: DtNode, prop: DtProperty | undefined): void;
}

export type Check = SourceCheck | TreeCheck;

/**
 * The first property of a live node named `name`, deleted or not (getLiveProperty skips deleted ones);
 * a loop, as getProperty is, for the same reason.
 */
function liveProp(node: LiveNode, name: string): LiveProperty | undefined {
  const ps = node.props;
  for (let i = 0; i < ps.length; i++) if (ps[i]!.name === name) return ps[i];
  return undefined;
}
const cell = (p: DtProperty | undefined) => (p && p.value.length === 4 ? readU32(p.value, 0) : undefined);
const unitName = (node: DtNode) => (node.name.includes('@') ? node.name.slice(node.name.indexOf('@') + 1) : '');

/** checks.c check_property_phandle_args: walk `phandle args...` tuples against the provider's #cells. */
function phandleArgs(ctx: CheckContext, node: DtNode, p: DtProperty, cellsName: string, optional = false): void {
  if (p.value.length % 4) {
    ctx.report(node, p, `property size (${p.value.length}) is invalid, expected multiple of 4`);
    return;
  }
  const n = p.value.length / 4;
  let cellsize = 0;
  for (let i = 0; i < n; i += cellsize + 1) {
    const ph = readU32(p.value, i * 4);
    if (ph === 0 || ph === 0xffffffff) {
      if (ctx.tree.isPlugin) break;
      cellsize = 0;
      continue;
    }
    const refMarkers = p.markers.filter((m) => m.kind === 'ref-phandle');
    if (p.markers.length && !refMarkers.some((m) => m.offset === i * 4) && p.markers.some((m) => m.kind.startsWith('type-'))) {
      ctx.report(node, p, `cell ${i} is not a phandle reference`);
    }
    const provider = ctx.phandles.get(ph);
    if (!provider) {
      ctx.report(node, p, `Could not get phandle node for (cell ${i})`);
      break;
    }
    const cp = getProperty(provider, cellsName);
    if (cp) cellsize = cell(cp) ?? 0;
    else if (optional) cellsize = 0;
    else {
      ctx.report(node, undefined, `Missing property '${cellsName}' in node ${nodePath(provider)} or bad phandle (referred from ${p.name}[${i}])`);
      break;
    }
    if (p.value.length < (i + cellsize + 1) * 4) ctx.report(node, p, `property size (${p.value.length}) too small for cell size ${cellsize}`);
  }
}

function providerCheck(name: string, propName: string, cellsName: string, optional = false): TreeCheck {
  return {
    name,
    level: 'warning',
    on: 'tree',
    property: propName,
    fn(ctx, node, p) {
      phandleArgs(ctx, node, p!, cellsName, optional);
    },
  };
}

const isInterruptProvider = (n: DtNode) => !!getProperty(n, 'interrupt-controller') || !!getProperty(n, 'interrupt-map');

// Up to this many children or properties, the duplicate checks compare every pair, as dtc does; a longer
// list is first sifted for the names it holds more than once (a pinctrl node has hundreds of children).
const SMALL_LIST = 16;

/** The names that occur more than once in `list`. */
function repeatedNames(list: readonly { name: string }[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const name = list[i]!.name;
    if (seen.has(name)) repeated.add(name);
    else seen.add(name);
  }
  return repeated;
}

/**
 * checks.c's duplicate-name loops: each live item of `list` against every item after it of the same name
 * (live ones only, unless `withDeleted`), in dtc's order, calling `found` once for each such pair.
 */
function eachDuplicatePair<T extends { name: string; deleted: boolean }>(
  list: readonly T[], withDeleted: boolean, found: (earlier: T, later: T) => void,
): void {
  if (list.length < 2) return;
  const repeated = list.length > SMALL_LIST ? repeatedNames(list) : undefined;
  for (let i = 0; i < list.length - 1; i++) {
    const a = list[i]!;
    if (a.deleted || (repeated !== undefined && !repeated.has(a.name))) continue;
    for (let k = i + 1; k < list.length; k++) {
      const b = list[k]!;
      if (b.name === a.name && (withDeleted || !b.deleted)) found(a, b);
    }
  }
}

const NODECHARS = /^[a-zA-Z0-9,._+\-@]*$/;
const PROPCHARS = /^[a-zA-Z0-9,._+*#?-]*$/;

/** checks.c check_explicit_phandles' reading of one `phandle` / `linux,phandle` property: 0 when unusable. */
function explicitPhandle(ctx: SourceCheckContext, node: LiveNode, name: string): number {
  const prop = getLiveProperty(node, name);
  if (!prop) return 0;
  if (prop.data.length !== 4) {
    ctx.report(node, prop, `bad length (${prop.data.length}) ${name} property`);
    return 0;
  }
  const ref = prop.data.markers.find((m) => m.kind === 'ref-phandle');
  if (ref) {
    if (liveNodeByRef(ctx.tree.root, ref.ref!) !== node) ctx.report(node, undefined, `${name} is a reference to another node`);
    return 0;
  }
  const b = prop.data.bytes;
  const v = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  if (v === 0 || v === 0xffffffff) {
    ctx.report(node, prop, `bad value (0x${v.toString(16)}) in ${name} property`);
    return 0;
  }
  return v;
}

/** A `name` property that is a string: only then does name_properties look at it. */
function nameIsString(p: LiveProperty): boolean {
  const v = p.data.value();
  return v.length > 0 && v[v.length - 1] === 0 && v.indexOf(0) === v.length - 1;
}

export const CHECKS: Check[] = [
  // The ERROR checks, in dtc's order (checks.c check_table); any of them stops output.
  {
    // checks.c check_duplicate_node_names: each live child against every sibling after it (deleted or
    // not), reported at the later one, once for each such pair.
    name: 'duplicate_node_names',
    level: 'error',
    on: 'source',
    node(ctx, node) {
      eachDuplicatePair(node.children, true, (_, later) => ctx.report(later, undefined, 'Duplicate node name'));
    },
  },
  {
    // checks.c check_duplicate_property_names: each live property against every live one after it,
    // reported at the earlier one, once for each such pair.
    name: 'duplicate_property_names',
    level: 'error',
    on: 'source',
    node(ctx, node) {
      eachDuplicatePair(node.props, false, (earlier) => ctx.report(node, earlier, 'Duplicate property name'));
    },
  },
  {
    // checks.c check_node_name_chars
    name: 'node_name_chars',
    level: 'error',
    on: 'source',
    node(ctx, node) {
      if (NODECHARS.test(node.name)) return;
      const bad = [...node.name].find((ch) => !NODECHARS.test(ch));
      ctx.report(node, undefined, `Bad character '${bad}' in node name`);
    },
  },
  {
    // checks.c check_node_name_format (its prerequisite node_name_chars must have passed for the node)
    name: 'node_name_format',
    level: 'error',
    on: 'source',
    node(ctx, node) {
      if (!NODECHARS.test(node.name)) return;
      const at = node.name.indexOf('@');
      if (at >= 0 && node.name.indexOf('@', at + 1) >= 0) ctx.report(node, undefined, "multiple '@' characters in node name");
    },
  },
  {
    // checks.c check_property_name_chars
    name: 'property_name_chars',
    level: 'error',
    on: 'source',
    node(ctx, node) {
      for (let i = 0; i < node.props.length; i++) {
        const p = node.props[i]!;
        if (p.deleted || PROPCHARS.test(p.name)) continue;
        const bad = [...p.name].find((ch) => !PROPCHARS.test(ch));
        ctx.report(node, p, `Bad character '${bad}' in property name`);
      }
    },
  },
  {
    // checks.c check_is_string on "name"
    name: 'name_is_string',
    level: 'error',
    on: 'source',
    node(ctx, node) {
      const p = liveProp(node, 'name');
      if (p && !p.deleted && !nameIsString(p)) ctx.report(node, p, 'property is not a string');
    },
  },
  {
    // checks.c check_name_properties: a correct `name` property is redundant and removed.
    name: 'name_properties',
    level: 'error',
    on: 'source',
    node(ctx, node) {
      const p = liveProp(node, 'name');
      if (!p) return;
      if (!p.deleted && !nameIsString(p)) return;
      const v = p.data.value();
      const baseBytes = textBytes(node.name.split('@')[0]!);
      if (v.length !== baseBytes.length + 1 || baseBytes.some((b, k) => v[k] !== b)) {
        ctx.report(node, undefined, `"name" property is incorrect ("${decodeLatin1(v.subarray(0, Math.max(0, v.indexOf(0))))}" instead of base node name)`);
      } else node.props.splice(node.props.indexOf(p), 1);
    },
  },
  {
    // checks.c check_duplicate_label, over the whole tree: the owner of each label in dtc's lookup order
    // (node labels, then property labels, then value labels) against every other place it is defined.
    name: 'duplicate_label',
    level: 'error',
    on: 'source',
    tree(ctx) {
      type Owner = { node: LiveNode; prop?: LiveProperty; marker?: number };
      const nodeOwner = new Map<string, Owner>();
      const propOwner = new Map<string, Owner>();
      const markOwner = new Map<string, Owner>();
      const occurrences: [string, Owner][] = [];
      const nodes = ctx.nodes();
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i]!;
        for (let j = 0; j < node.labels.length; j++) {
          const l = node.labels[j]!;
          if (l.deleted) continue;
          if (!nodeOwner.has(l.name)) nodeOwner.set(l.name, { node });
          occurrences.push([l.name, { node }]);
        }
        for (let p = 0; p < node.props.length; p++) {
          const prop = node.props[p]!;
          if (prop.deleted) continue;
          for (let j = 0; j < prop.labels.length; j++) {
            const l = prop.labels[j]!;
            if (l.deleted) continue;
            if (!propOwner.has(l.name)) propOwner.set(l.name, { node, prop });
            occurrences.push([l.name, { node, prop }]);
          }
          const markers = prop.data.markers;
          for (let k = 0; k < markers.length; k++) {
            const m = markers[k]!;
            if (m.kind !== 'label') continue;
            if (!markOwner.has(m.ref!)) markOwner.set(m.ref!, { node, prop, marker: k });
            occurrences.push([m.ref!, { node, prop, marker: k }]);
          }
        }
      }
      const describe = (o: Owner) => `${o.marker !== undefined ? 'value of ' : ''}${o.prop ? `'${o.prop.name}' in ` : ''}${livePath(o.node)}`;
      for (const [label, o] of occurrences) {
        const other = nodeOwner.get(label) ?? propOwner.get(label) ?? markOwner.get(label)!;
        if (other.node !== o.node || other.prop !== o.prop || other.marker !== o.marker) {
          ctx.report(o.node, undefined, `Duplicate label '${label}' on ${describe(o)} and ${describe(other)}`);
        }
      }
    },
  },
  {
    // checks.c check_explicit_phandles: takes each node's own phandle into the table, before any
    // reference is fixed up (so allocation skips the values already taken).
    name: 'explicit_phandles',
    level: 'error',
    on: 'source',
    node(ctx, node) {
      const ph = explicitPhandle(ctx, node, 'phandle');
      const lph = explicitPhandle(ctx, node, 'linux,phandle');
      if (!ph && !lph) return;
      if (ph && lph && ph !== lph) ctx.report(node, undefined, "mismatching 'phandle' and 'linux,phandle' properties");
      const value = ph || lph;
      const other = ctx.phandleOwner(value);
      if (other && other !== node) {
        ctx.report(node, undefined, `duplicated phandle 0x${value.toString(16)} (seen before at ${livePath(other)})`);
        return;
      }
      ctx.setPhandle(node, value);
    },
  },
  {
    // checks.c fixup_phandle_references: each `&label` in a value becomes the target's phandle. In a
    // plugin an unresolved one is left for the overlay's __fixups__ (0xffffffff here).
    name: 'phandle_references',
    level: 'error',
    on: 'source',
    tree(ctx) {
      const labels = ctx.labels();
      const nodes = ctx.nodes();
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i]!;
        for (let p = 0; p < node.props.length; p++) {
          const prop = node.props[p]!;
          if (prop.deleted) continue;
          const markers = prop.data.markers;
          for (let k = 0; k < markers.length; k++) {
            const m = markers[k]!;
            if (m.kind !== 'ref-phandle') continue;
            const target = liveNodeByRef(ctx.tree.root, m.ref!, labels);
            if (!target) {
              if (!ctx.tree.plugin) ctx.report(node, undefined, `Reference to non-existent node or label "${m.ref}"`);
              else prop.data.setU32(m.offset, 0xffffffff);
              continue;
            }
            prop.data.setU32(m.offset, ctx.phandleFor(target));
            target.isReferenced = true;
          }
        }
      }
    },
  },
  {
    // checks.c fixup_path_references: each `&{/path}` or `&label` outside cells becomes the target's path.
    name: 'path_references',
    level: 'error',
    on: 'source',
    tree(ctx) {
      const labels = ctx.labels();
      const nodes = ctx.nodes();
      for (let n = 0; n < nodes.length; n++) {
        const node = nodes[n]!;
        for (let p = 0; p < node.props.length; p++) {
          const prop = node.props[p]!;
          if (prop.deleted) continue;
          const markers = prop.data.markers;
          for (let i = 0; i < markers.length; i++) {
            const m = markers[i]!;
            if (m.kind !== 'ref-path') continue;
            const target = liveNodeByRef(ctx.tree.root, m.ref!, labels);
            if (!target) {
              ctx.report(node, undefined, `Reference to non-existent node or label "${m.ref}"`);
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
    },
  },
  // The warnings.
  {
    // checks.c check_unit_address_vs_reg
    name: 'unit_address_vs_reg',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      if (node.children.some((c) => c.name === '__overlay__')) return;
      let p = getProperty(node, 'reg');
      if (!p) {
        p = getProperty(node, 'ranges');
        if (p && !p.value.length) p = undefined;
      }
      if (p && !unitName(node)) ctx.report(node, undefined, 'node has a reg or ranges property, but no unit name');
      else if (!p && unitName(node)) ctx.report(node, undefined, 'node has a unit name, but no reg or ranges property');
    },
  },
  {
    name: 'reg_format',
    level: 'warning',
    on: 'tree',
    property: 'reg',
    fn(ctx, node, p) {
      if (!p || !node.parent) return;
      if (!p.value.length) ctx.report(node, p, 'property is empty');
      const ac = cell(getProperty(node.parent, '#address-cells')) ?? 2;
      const sc = cell(getProperty(node.parent, '#size-cells')) ?? 1;
      const entry = (ac + sc) * 4;
      if (entry ? p.value.length % entry !== 0 : p.value.length !== 0) ctx.report(node, p, `property has invalid length (${p.value.length} bytes) (#address-cells == ${ac}, #size-cells == ${sc})`);
    },
  },
  providerCheck('clocks_property', 'clocks', '#clock-cells'),
  providerCheck('dmas_property', 'dmas', '#dma-cells'),
  providerCheck('interrupts_extended_property', 'interrupts-extended', '#interrupt-cells'),
  providerCheck('iommus_property', 'iommus', '#iommu-cells'),
  providerCheck('mboxes_property', 'mboxes', '#mbox-cells'),
  providerCheck('msi_parent_property', 'msi-parent', '#msi-cells', true),
  providerCheck('phys_property', 'phys', '#phy-cells'),
  providerCheck('power_domains_property', 'power-domains', '#power-domain-cells'),
  providerCheck('pwms_property', 'pwms', '#pwm-cells'),
  providerCheck('resets_property', 'resets', '#reset-cells'),
  providerCheck('thermal_sensors_property', 'thermal-sensors', '#thermal-sensor-cells'),
  {
    // checks.c check_gpios_property
    name: 'gpios_property',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      if (getProperty(node, 'gpio-hog')) return;
      for (let i = 0; i < node.properties.length; i++) {
        const p = node.properties[i]!;
        if (p.name.endsWith(',nr-gpios')) continue;
        if (p.name.endsWith('-gpios') || p.name === 'gpios' || p.name.endsWith('-gpio') || p.name === 'gpio') phandleArgs(ctx, node, p, '#gpio-cells');
      }
    },
  },
  {
    // checks.c check_interrupts_property
    name: 'interrupts_property',
    level: 'warning',
    on: 'tree',
    property: 'interrupts',
    fn(ctx, node, irq) {
      if (!irq) return;
      if (irq.value.length % 4) ctx.report(node, irq, `size (${irq.value.length}) is invalid, expected multiple of 4`);
      let irqNode: DtNode | undefined;
      for (let parent: DtNode | null = node; parent; parent = parent.parent) {
        if (parent !== node && isInterruptProvider(parent)) {
          irqNode = parent;
          break;
        }
        const ip = getProperty(parent, 'interrupt-parent');
        if (ip) {
          const ph = cell(ip) ?? 0;
          if (ph === 0 || ph === 0xffffffff) {
            if (ctx.tree.isPlugin) return;
            ctx.report(parent, ip, 'Invalid phandle');
            return;
          }
          irqNode = ctx.phandles.get(ph);
          if (!irqNode) {
            ctx.report(parent, ip, 'Bad phandle');
            return;
          }
          if (!isInterruptProvider(irqNode)) ctx.report(irqNode, undefined, 'Missing interrupt-controller or interrupt-map property');
          break;
        }
      }
      if (!irqNode) {
        if (!ctx.tree.isPlugin) ctx.report(node, undefined, 'Missing interrupt-parent');
        return;
      }
      const cellsProp = getProperty(irqNode, '#interrupt-cells');
      const cells = cell(cellsProp);
      if (cells === undefined) return;
      // dtc names the provider's #interrupt-cells here (its source position too), after the consumer's path.
      if (cells && irq.value.length % (cells * 4)) ctx.report(node, cellsProp, `size is (${irq.value.length}), expected multiple of ${cells * 4}`);
    },
  },
  {
    name: 'interrupt_provider',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      if (!isInterruptProvider(node)) return;
      if (!getProperty(node, '#interrupt-cells')) ctx.report(node, undefined, 'Missing #interrupt-cells in interrupt provider');
      if (!getProperty(node, '#address-cells')) ctx.report(node, undefined, 'Missing #address-cells in interrupt provider');
    },
  },
];

/** A diagnostic about a node or property of the live tree, at its source span (the property's, else the node's). */
export function liveDiagnostic(severity: 'error' | 'warning', code: string, node: LiveNode, prop: LiveProperty | undefined, message: string): Diagnostic {
  const span = prop?.span ?? node.span;
  const d: Diagnostic = { severity, code, message, nodePath: prop ? `${livePath(node)}:${prop.name}` : livePath(node) };
  if (span) d.span = span;
  if (!prop && node.alsoAt.length) d.alsoAt = node.alsoAt;
  return d;
}

/**
 * dtc's ERROR checks over a source's live tree, check by check as dtc runs them; the resolver hands
 * over its phandle table. Each finding is an `error` named after its dtc check.
 */
export function runSourceChecks(tree: LiveTree, phandles: Pick<SourceCheckContext, 'phandleOwner' | 'setPhandle' | 'phandleFor'>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let current: SourceCheck | undefined;
  let labels: Map<string, LiveNode> | undefined;
  const ctx: SourceCheckContext = {
    tree,
    report: (node, prop, message) => diagnostics.push(liveDiagnostic(current!.level, current!.name, node, prop, message)),
    phandleOwner: phandles.phandleOwner,
    setPhandle: phandles.setPhandle,
    phandleFor: phandles.phandleFor,
    labels: () => (labels ??= buildLabelIndex(tree.root)),
    // No source check adds or deletes a node (they set phandles, fix up values and report), so one
    // walk serves them all.
    nodes: () => (nodes ??= liveWalk(tree.root)),
  };
  let nodes: LiveNode[] | undefined;
  for (let c = 0; c < CHECKS.length; c++) {
    const check = CHECKS[c]!;
    if (check.on !== 'source') continue;
    current = check;
    if (check.tree) check.tree(ctx);
    if (check.node) {
      const all = ctx.nodes();
      for (let i = 0; i < all.length; i++) check.node(ctx, all[i]!);
    }
  }
  return diagnostics;
}

/** dtc's warning checks over a tree. Each finding is a `warning` named after its dtc check. */
export function runChecks(tree: DtTree): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let current = '';
  const ctx: CheckContext = {
    tree,
    phandles: phandleIndex(tree),
    report(node, p, message) {
      const span = p?.span ?? node.span;
      const d: Diagnostic = { severity: 'warning', code: current, message, nodePath: p ? `${nodePath(node)}:${p.name}` : nodePath(node) };
      if (span) d.span = span;
      else if (tree.source) d.file = tree.source;
      if (!p && node.alsoAt?.length) d.alsoAt = node.alsoAt;
      diagnostics.push(d);
    },
  };
  // No warning check adds or removes a node or property, so one walk serves them all, and one pass over
  // the properties finds, for each check that names one, the nodes that have it (in walk order).
  const nodes = preorder(tree.root);
  const holders = new Map<string, { node: DtNode; prop: DtProperty }[]>();
  for (const check of CHECKS) if (check.on === 'tree' && check.property !== undefined) holders.set(check.property, []);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const ps = node.properties;
    for (let k = 0; k < ps.length; k++) {
      const list = holders.get(ps[k]!.name);
      // The first property of the name, as getProperty would find it.
      if (list !== undefined && (list.length === 0 || list[list.length - 1]!.node !== node)) list.push({ node, prop: ps[k]! });
    }
  }
  for (const check of CHECKS) {
    if (check.on !== 'tree') continue;
    current = check.name;
    if (check.property !== undefined) {
      const list = holders.get(check.property)!;
      for (let i = 0; i < list.length; i++) check.fn(ctx, list[i]!.node, list[i]!.prop);
    } else for (let i = 0; i < nodes.length; i++) check.fn(ctx, nodes[i]!, undefined);
  }
  return diagnostics;
}
