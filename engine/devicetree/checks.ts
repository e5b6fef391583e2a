// dtc's checks (dtc checks.c), as one table: each entry has dtc's check name, its level, the function
// that runs it and the fixture test/fixtures/dts/bad-<name>.dts that trips it. The ERROR checks run on
// the source's live tree while it is resolved (they gate output, as in dtc); the warnings run on the
// public tree, a compiled source or a DTB alike. Positions come from the nodes' and properties' source
// spans; formatDiagnostic (engine/common) prints them as dtc does.
import type { Diagnostic } from '../common';
import { decodeLatin1, decodeUtf8, textBytes } from './lex';
import { buildLabelIndex, getLiveProperty, liveNodeByRef, livePath, liveWalk, type LiveNode, type LiveProperty, type LiveTree } from './live';
import { baseName, getProperty, nodePath, phandleIndex, readU32, strings, unitAddress, type DtNode, type DtProperty, type DtTree } from './tree';

/** The bus a bridge check found a node to be (dtc's node->bus), which decides how its children are checked. */
type Bus = 'pci' | 'simple-bus' | 'i2c-bus' | 'spi-bus' | 'graph-port' | 'graph-ports';

interface CheckContext {
  tree: DtTree;
  phandles: Map<number, DtNode>;
  report(node: DtNode, prop: DtProperty | undefined, message: string): void;
  /**
   * addr_size_cells' reading of each node's `#address-cells` and `#size-cells` (-1 where absent). Until
   * that check has run, or where it did not (a prerequisite failed), a node reads 0 for both, as dtc's
   * zero-filled node does: the graph checks read them without depending on it.
   */
  cellCounts: Map<DtNode, { address: number; size: number }>;
  /** The bridge checks' findings (dtc's node->bus): a later bridge check overwrites an earlier one's. */
  bus: Map<DtNode, Bus>;
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
  /**
   * 'warning' runs by default; 'off' (dtc's CHECK entries) runs only when switched on (-W, --error),
   * or as the prerequisite of a check that runs, and then prints nothing of its own.
   */
  level: 'warning' | 'off';
  on: 'tree';
  /**
   * dtc's prerequisites, by name: each runs first. Where one did not pass (it reported something, or a
   * prerequisite of its own did not pass), this check does not run and says so instead ("Failed
   * prerequisite"). The ERROR checks named here have passed whenever the warnings run at all.
   */
  prereqs?: readonly string[];
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

/**
 * checks.c WARNING_PROPERTY_PHANDLE_CELLS: `<name>_property` checks each `propName` tuple against its
 * provider's `cellsName`, after `<name>_is_cell` has found every `cellsName` in the tree a single cell.
 */
function providerChecks(name: string, propName: string, cellsName: string, optional = false): TreeCheck[] {
  return [
    {
      name: `${name}_property`,
      level: 'warning',
      on: 'tree',
      prereqs: [`${name}_is_cell`, 'phandle_references'],
      property: propName,
      fn(ctx, node, p) {
        phandleArgs(ctx, node, p!, cellsName, optional);
      },
    },
    isCell(`${name}_is_cell`, cellsName),
  ];
}

/** checks.c WARNING_IF_NOT_CELL: the property, where a node has it, is one cell. */
function isCell(name: string, propName: string): TreeCheck {
  return {
    name,
    level: 'warning',
    on: 'tree',
    property: propName,
    fn(ctx, node, p) {
      if (p!.value.length !== 4) ctx.report(node, p, 'property is not a single cell');
    },
  };
}

/** checks.c WARNING_IF_NOT_STRING: the property, where a node has it, is one string (data_is_one_string). */
function isString(name: string, propName: string): TreeCheck {
  return {
    name,
    level: 'warning',
    on: 'tree',
    property: propName,
    fn(ctx, node, p) {
      if (!isOneString(p!.value)) ctx.report(node, p, 'property is not a string');
    },
  };
}

/** checks.c check_ranges_format, for `ranges` or `dma-ranges`: entries of parent address, child address and size. */
function rangesFormat(name: string, propName: string): TreeCheck {
  return {
    name,
    level: 'warning',
    on: 'tree',
    prereqs: ['addr_size_cells'],
    property: propName,
    fn(ctx, node, p) {
      if (!node.parent) {
        ctx.report(node, p, `Root node has a "${propName}" property`);
        return;
      }
      const pac = addrCells(ctx, node.parent);
      const psc = sizeCells(ctx, node.parent);
      const cac = addrCells(ctx, node);
      const csc = sizeCells(ctx, node);
      const len = p!.value.length;
      if (len === 0) {
        if (pac !== cac) ctx.report(node, p, `empty "${propName}" property but its #address-cells (${cac}) differs from ${nodePath(node.parent)} (${pac})`);
        if (psc !== csc) ctx.report(node, p, `empty "${propName}" property but its #size-cells (${csc}) differs from ${nodePath(node.parent)} (${psc})`);
      } else if (!isMultipleOf(len, (pac + cac + csc) * 4)) {
        ctx.report(node, p, `"${propName}" property has invalid length (${len} bytes) (parent #address-cells == ${pac}, child #address-cells == ${cac}, #size-cells == ${csc})`);
      }
    },
  };
}

/** strspn over PROPNODECHARSSTRICT: how many leading characters are letters, digits, ',' or '-'. */
const strictSpan = (name: string) => STRICT_CHARS.exec(name)![0].length;
const STRICT_CHARS = /^[a-zA-Z0-9,-]*/;

/** checks.c prop_is_gpio: `gpios`, `gpio`, `*-gpios` and `*-gpio`, but not `*,nr-gpios`. */
const isGpioProperty = (name: string) => !name.endsWith(',nr-gpios') && (name.endsWith('-gpios') || name === 'gpios' || name.endsWith('-gpio') || name === 'gpio');

/**
 * checks.c check_unique_unit_address_common: for each child with a unit address, each earlier sibling
 * with the same one is reported, naming the later; with `enabledOnly`, disabled children take no part.
 */
function uniqueUnitAddress(ctx: CheckContext, node: DtNode, enabledOnly: boolean): void {
  const { address, size } = counts(ctx, node);
  if (address < 0 || size < 0 || node.children.length < 2) return;
  const earlier = new Map<string, DtNode[]>();
  for (const child of node.children) {
    const unit = unitAddress(child);
    if (!unit || (enabledOnly && isDisabled(child))) continue;
    const same = earlier.get(unit);
    if (same === undefined) {
      earlier.set(unit, [child]);
      continue;
    }
    for (const other of same) ctx.report(other, undefined, `duplicate unit-address (also used in node ${nodePath(child)})`);
    same.push(child);
  }
}

/** checks.c node_is_disabled: status is "disabled". */
function isDisabled(node: DtNode): boolean {
  const status = getProperty(node, 'status');
  return status !== undefined && status.value.length > 0 && cString(status.value) === 'disabled';
}

/** dtc's `node->children`: whether the node has children, deleted ones included. */
const hasChildren = (node: DtNode) => node.children.length > 0 || node.hadDeletedChildren === true;

/** checks.c is_multiple_of: a divisor of 0 divides only 0. */
const isMultipleOf = (n: number, divisor: number) => (divisor === 0 ? n === 0 : n % divisor === 0);

/** data_is_one_string: one NUL, at the end. */
function isOneString(v: Uint8Array): boolean {
  return v.length > 0 && v[v.length - 1] === 0 && v.indexOf(0) === v.length - 1;
}

/** checks.c check_is_string_list: NUL-terminated strings to the end (an empty value is an empty list). */
function isStringList(v: Uint8Array): boolean {
  for (let i = 0; i < v.length; i++) {
    const nul = v.indexOf(0, i);
    if (nul < 0) return false;
    i = nul;
  }
  return true;
}

/** A value read as C reads a char *: up to its first NUL. */
const cString = (v: Uint8Array) => decodeUtf8(v.indexOf(0) < 0 ? v : v.subarray(0, v.indexOf(0)));
/** Cell `i` of a value, or 0 past its end (where dtc would read past the property). */
const cellOf = (v: Uint8Array, i: number) => (i * 4 + 4 <= v.length ? readU32(v, i * 4) : 0);
/** propval_cell: the first cell (the checks before it have made sure there is exactly one). */
const firstCell = (v: Uint8Array) => cellOf(v, 0);

/** A node's counts as addr_size_cells read them (-1: absent), or 0 and 0 where it has not run. */
const counts = (ctx: CheckContext, node: DtNode) => ctx.cellCounts.get(node) ?? NO_COUNTS;
const NO_COUNTS = { address: 0, size: 0 };
/** dtc's node_addr_cells and node_size_cells: the count, or the default (2 and 1) where it is absent. */
const addrCells = (ctx: CheckContext, node: DtNode) => (counts(ctx, node).address === -1 ? 2 : counts(ctx, node).address);
const sizeCells = (ctx: CheckContext, node: DtNode) => (counts(ctx, node).size === -1 ? 1 : counts(ctx, node).size);

const HEX_DIGIT = /^[0-9a-fA-F]$/;
const ALIAS_NAME = /^[a-z0-9-]*$/;
const I2C_OWN_SLAVE_ADDRESS = 1 << 30;
const I2C_TEN_BIT_ADDRESS = 1 << 31;

/**
 * livetree.c get_node_by_path: each component matches a child's full name (unit address included), the
 * first that does is followed, and an empty path is the node itself.
 */
function nodeByPath(root: DtNode, path: string): DtNode | undefined {
  // A loop over the components (a path may name a node thousands of levels down).
  let node = root;
  let i = 0;
  for (;;) {
    if (i === path.length) return node; // an empty rest: the node itself
    while (path[i] === '/') i++;
    // A rest of slashes alone names a child without a name, which no node is.
    if (i === path.length) return undefined;
    const slash = path.indexOf('/', i);
    const part = slash < 0 ? path.slice(i) : path.slice(i, slash);
    const child = node.children.find((c) => c.name === part);
    if (!child) return undefined;
    if (slash < 0) return child;
    node = child;
    i = slash + 1;
  }
}

/** checks.c check_graph_reg: a port's or endpoint's reg is one cell, matches its unit address, under 1 and 0 counts. */
function graphReg(ctx: CheckContext, node: DtNode): void {
  const reg = getProperty(node, 'reg');
  if (!reg) return;
  if (reg.value.length !== 4) {
    ctx.report(node, undefined, "graph node malformed 'reg' property");
    return;
  }
  const expected = readU32(reg.value, 0).toString(16);
  if (unitAddress(node) !== expected) ctx.report(node, undefined, `graph node unit address error, expected "${expected}"`);
  const parent = counts(ctx, node.parent!);
  if (parent.address !== 1) ctx.report(node, getProperty(node, '#address-cells'), `graph node '#address-cells' is ${parent.address}, must be 1`);
  if (parent.size !== 0) ctx.report(node, getProperty(node, '#size-cells'), `graph node '#size-cells' is ${parent.size}, must be 0`);
}

/** checks.c get_remote_endpoint: the node remote-endpoint points at; a phandle that finds none is reported. */
function remoteEndpoint(ctx: CheckContext, endpoint: DtNode): DtNode | undefined {
  const p = getProperty(endpoint, 'remote-endpoint');
  if (!p) return undefined;
  const ph = firstCell(p.value);
  if (ph === 0 || ph === 0xffffffff) return undefined;
  const node = ctx.phandles.get(ph);
  if (!node) ctx.report(endpoint, p, 'graph phandle is not valid');
  return node;
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
    // checks.c check_node_name_vs_property_name: a warning amid the ERROR checks (run with the other
    // warnings, on the finished tree).
    name: 'node_name_vs_property_name',
    level: 'warning',
    on: 'tree',
    prereqs: ['node_name_chars'],
    fn(ctx, node) {
      if (node.parent && getProperty(node.parent, node.name)) ctx.report(node, undefined, 'node name and property name conflict');
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
  // The warnings, in dtc's order. Each runs after its prerequisites (dtc's prereq lists), and does not
  // run where one of them did not pass.
  isCell('address_cells_is_cell', '#address-cells'),
  isCell('size_cells_is_cell', '#size-cells'),
  isString('device_type_is_string', 'device_type'),
  isString('model_is_string', 'model'),
  isString('status_is_string', 'status'),
  isString('label_is_string', 'label'),
  {
    // checks.c check_is_string_list on "compatible"
    name: 'compatible_is_string_list',
    level: 'warning',
    on: 'tree',
    property: 'compatible',
    fn(ctx, node, p) {
      if (!isStringList(p!.value)) ctx.report(node, p, 'property is not a string list');
    },
  },
  {
    // checks.c check_names_is_string_list: every `*-names` property
    name: 'names_is_string_list',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      for (const p of node.properties) if (p.name.endsWith('-names') && !isStringList(p.value)) ctx.report(node, p, 'property is not a string list');
    },
  },
  {
    // checks.c check_property_name_chars_strict (off by default): letters, digits, ',' and '-', and a
    // '#' only at the start or after the vendor prefix; device_type is allowed.
    name: 'property_name_chars_strict',
    level: 'off',
    on: 'tree',
    fn(ctx, node) {
      for (const p of node.properties) {
        let name = p.name;
        let n = strictSpan(name);
        if (n === name.length || name === 'device_type') continue;
        if (name[n] === '#' && (n === 0 || name[n - 1] === ',')) {
          name = name.slice(n + 1);
          n = strictSpan(name);
        }
        if (n < name.length) ctx.report(node, p, `Character '${name[n]}' not recommended in property name`);
      }
    },
  },
  {
    // checks.c check_node_name_chars_strict (off by default): the base name in letters, digits, ',' and '-'
    name: 'node_name_chars_strict',
    level: 'off',
    on: 'tree',
    fn(ctx, node) {
      const n = strictSpan(node.name);
      if (n < baseName(node).length) ctx.report(node, undefined, `Character '${node.name[n]}' not recommended in node name`);
    },
  },
  {
    // checks.c fixup_addr_size_cells: reads each node's counts for the checks after it; reports nothing.
    name: 'addr_size_cells',
    level: 'warning',
    on: 'tree',
    prereqs: ['address_cells_is_cell', 'size_cells_is_cell'],
    fn(ctx, node) {
      const a = getProperty(node, '#address-cells');
      const z = getProperty(node, '#size-cells');
      ctx.cellCounts.set(node, { address: a ? firstCell(a.value) : -1, size: z ? firstCell(z.value) : -1 });
    },
  },
  {
    // checks.c check_reg_format
    name: 'reg_format',
    level: 'warning',
    on: 'tree',
    prereqs: ['addr_size_cells'],
    property: 'reg',
    fn(ctx, node, p) {
      if (!node.parent) {
        ctx.report(node, undefined, 'Root node has a "reg" property');
        return;
      }
      if (!p!.value.length) ctx.report(node, p, 'property is empty');
      const ac = addrCells(ctx, node.parent);
      const sc = sizeCells(ctx, node.parent);
      if (!isMultipleOf(p!.value.length, (ac + sc) * 4)) ctx.report(node, p, `property has invalid length (${p!.value.length} bytes) (#address-cells == ${ac}, #size-cells == ${sc})`);
    },
  },
  rangesFormat('ranges_format', 'ranges'),
  rangesFormat('dma_ranges_format', 'dma-ranges'),
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
      if (p && !unitAddress(node)) ctx.report(node, undefined, 'node has a reg or ranges property, but no unit name');
      else if (!p && unitAddress(node)) ctx.report(node, undefined, 'node has a unit name, but no reg or ranges property');
    },
  },
  {
    // checks.c check_unit_address_format: a child of a bus found by then (PCI, simple-bus) is left to
    // its bus's own check.
    name: 'unit_address_format',
    level: 'warning',
    on: 'tree',
    prereqs: ['node_name_format', 'pci_bridge', 'simple_bus_bridge'],
    fn(ctx, node) {
      if (node.parent && ctx.bus.has(node.parent)) return;
      let unit = unitAddress(node);
      if (!unit) return;
      if (unit.startsWith('0x')) {
        ctx.report(node, undefined, 'unit name should not have leading "0x"');
        unit = unit.slice(2);
      }
      if (unit[0] === '0' && HEX_DIGIT.test(unit[1] ?? '')) ctx.report(node, undefined, 'unit name should not have leading 0s');
    },
  },
  {
    // checks.c check_pci_bridge: a node with device_type "pci" is a PCI bus.
    name: 'pci_bridge',
    level: 'warning',
    on: 'tree',
    prereqs: ['device_type_is_string', 'addr_size_cells'],
    property: 'device_type',
    fn(ctx, node, p) {
      if (cString(p!.value) !== 'pci') return;
      ctx.bus.set(node, 'pci');
      const base = baseName(node);
      if (base !== 'pci' && base !== 'pcie') ctx.report(node, undefined, 'node name is not "pci" or "pcie"');
      if (!getProperty(node, 'ranges')) ctx.report(node, undefined, 'missing ranges for PCI bridge (or not a bridge)');
      if (addrCells(ctx, node) !== 3) ctx.report(node, undefined, 'incorrect #address-cells for PCI bridge');
      if (sizeCells(ctx, node) !== 2) ctx.report(node, undefined, 'incorrect #size-cells for PCI bridge');
      const range = getProperty(node, 'bus-range');
      if (!range) return;
      if (range.value.length !== 8) {
        ctx.report(node, range, 'value must be 2 cells');
        return;
      }
      if (readU32(range.value, 0) > readU32(range.value, 4)) ctx.report(node, range, '1st cell must be less than or equal to 2nd cell');
      if (readU32(range.value, 4) > 0xff) ctx.report(node, range, 'maximum bus number must be less than 256');
    },
  },
  {
    // checks.c check_pci_device_reg: a PCI device's reg is a config space address, and its unit
    // address is "dev" or "dev,func".
    name: 'pci_device_reg',
    level: 'warning',
    on: 'tree',
    prereqs: ['reg_format', 'pci_bridge'],
    property: 'reg',
    fn(ctx, node, p) {
      if (!node.parent || ctx.bus.get(node.parent) !== 'pci') return;
      const v = p!.value;
      if (cellOf(v, 1) || cellOf(v, 2)) ctx.report(node, p, 'PCI reg config space address cells 2 and 3 must be 0');
      const reg = cellOf(v, 0);
      const dev = (reg & 0xf800) >>> 11;
      const func = (reg & 0x700) >>> 8;
      if ((reg & 0xff000000) !== 0) ctx.report(node, p, 'PCI reg address is not configuration space');
      if ((reg & 0xff) !== 0) ctx.report(node, p, 'PCI reg config space address register number must be 0');
      const unit = unitAddress(node);
      if (func === 0 && unit === dev.toString(16)) return;
      const expected = `${dev.toString(16)},${func.toString(16)}`;
      if (unit !== expected) ctx.report(node, undefined, `PCI unit address format error, expected "${expected}"`);
    },
  },
  {
    // checks.c check_pci_device_bus_num. dtc 1.6.1 takes the bus range's maximum from its first cell
    // too (dtc fixed that later), so any bus number but the first is out of range: as the reference
    // dtc warns, so do we.
    name: 'pci_device_bus_num',
    level: 'warning',
    on: 'tree',
    prereqs: ['reg_format', 'pci_bridge'],
    property: 'reg',
    fn(ctx, node, p) {
      if (!node.parent || ctx.bus.get(node.parent) !== 'pci') return;
      const busNum = (cellOf(p!.value, 0) & 0x00ff0000) >>> 16;
      const range = getProperty(node.parent, 'bus-range');
      const min = range ? cellOf(range.value, 0) : 0;
      const max = min;
      if (busNum < min || busNum > max) ctx.report(node, range, `PCI bus number ${busNum} out of range, expected (${min} - ${max})`);
    },
  },
  {
    // checks.c check_simple_bus_bridge: a node compatible with "simple-bus" is one; reports nothing.
    name: 'simple_bus_bridge',
    level: 'warning',
    on: 'tree',
    prereqs: ['addr_size_cells', 'compatible_is_string_list'],
    property: 'compatible',
    fn(ctx, node, p) {
      if (strings(p!).includes('simple-bus')) ctx.bus.set(node, 'simple-bus');
    },
  },
  {
    // checks.c check_simple_bus_reg: a simple-bus child's unit address is its first reg address (or,
    // without reg, the parent address of its first range), in hex without leading zeros.
    name: 'simple_bus_reg',
    level: 'warning',
    on: 'tree',
    prereqs: ['reg_format', 'simple_bus_bridge'],
    fn(ctx, node) {
      if (!node.parent || ctx.bus.get(node.parent) !== 'simple-bus') return;
      let v: Uint8Array | undefined;
      let first = 0;
      const reg = getProperty(node, 'reg');
      if (reg) v = reg.value.length ? reg.value : undefined;
      else {
        const ranges = getProperty(node, 'ranges');
        if (ranges && ranges.value.length) {
          v = ranges.value;
          first = addrCells(ctx, node); // past the child address
        }
      }
      if (!v) {
        if (node.parent.parent && ctx.bus.get(node) !== 'simple-bus') ctx.report(node, undefined, 'missing or empty reg/ranges property');
        return;
      }
      let address = 0n;
      for (let i = 0, n = addrCells(ctx, node.parent); i < n; i++) address = BigInt.asUintN(64, (address << 32n) | BigInt(cellOf(v, first + i)));
      const expected = address.toString(16);
      if (unitAddress(node) !== expected) ctx.report(node, undefined, `simple-bus unit address format error, expected "${expected}"`);
    },
  },
  {
    // checks.c check_i2c_bus_bridge: a node named i2c-bus, i2c-arb or i2c is an I2C bus. (dtc's look
    // for an i2c-bus child of an "i2c" node compares the child's name at the parent's name length,
    // which never matches; so neither does this.)
    name: 'i2c_bus_bridge',
    level: 'warning',
    on: 'tree',
    prereqs: ['addr_size_cells'],
    fn(ctx, node) {
      const base = baseName(node);
      if (base !== 'i2c-bus' && base !== 'i2c-arb' && base !== 'i2c') return;
      ctx.bus.set(node, 'i2c-bus');
      if (!hasChildren(node)) return;
      if (addrCells(ctx, node) !== 1) ctx.report(node, undefined, 'incorrect #address-cells for I2C bus');
      if (sizeCells(ctx, node) !== 0) ctx.report(node, undefined, 'incorrect #size-cells for I2C bus');
    },
  },
  {
    // checks.c check_i2c_bus_reg: the unit address is the first reg address (without the
    // own-slave-address flag), and each address fits 7 bits, or 10 with the ten-bit flag. (As in dtc
    // 1.6.1, a ten-bit address that fits still reads as past 7 bits.)
    name: 'i2c_bus_reg',
    level: 'warning',
    on: 'tree',
    prereqs: ['reg_format', 'i2c_bus_bridge'],
    fn(ctx, node) {
      if (!node.parent || ctx.bus.get(node.parent) !== 'i2c-bus') return;
      const p = getProperty(node, 'reg');
      if (!p || !p.value.length) {
        ctx.report(node, undefined, 'missing or empty reg property');
        return;
      }
      const expected = ((cellOf(p.value, 0) & ~I2C_OWN_SLAVE_ADDRESS) >>> 0).toString(16);
      if (unitAddress(node) !== expected) ctx.report(node, undefined, `I2C bus unit address format error, expected "${expected}"`);
      for (let i = 0; i * 4 < p.value.length; i++) {
        const reg = (cellOf(p.value, i) & ~I2C_OWN_SLAVE_ADDRESS) >>> 0;
        if ((reg & I2C_TEN_BIT_ADDRESS) !== 0 && ((reg & ~I2C_TEN_BIT_ADDRESS) >>> 0) > 0x3ff) {
          ctx.report(node, p, `I2C address must be less than 10-bits, got "0x${reg.toString(16)}"`);
        } else if (reg > 0x7f) {
          ctx.report(node, p, `I2C address must be less than 7-bits, got "0x${reg.toString(16)}". Set I2C_TEN_BIT_ADDRESS for 10 bit addresses or fix the property`);
        }
      }
    },
  },
  {
    // checks.c check_spi_bus_bridge: a node named spi is an SPI bus, and so is one with 1 address cell
    // and 0 size cells whose children have spi-* properties (named otherwise, it is told so when it
    // has a reg).
    name: 'spi_bus_bridge',
    level: 'warning',
    on: 'tree',
    prereqs: ['addr_size_cells'],
    fn(ctx, node) {
      if (baseName(node) === 'spi') ctx.bus.set(node, 'spi-bus');
      else {
        if (addrCells(ctx, node) !== 1 || sizeCells(ctx, node) !== 0) return;
        if (node.children.some((c) => c.properties.some((p) => p.name.startsWith('spi-')))) ctx.bus.set(node, 'spi-bus');
        if (ctx.bus.get(node) === 'spi-bus' && getProperty(node, 'reg')) ctx.report(node, undefined, "node name for SPI buses should be 'spi'");
      }
      if (ctx.bus.get(node) !== 'spi-bus' || !hasChildren(node)) return;
      const spiAddrCells = getProperty(node, 'spi-slave') ? 0 : 1;
      if (addrCells(ctx, node) !== spiAddrCells) ctx.report(node, undefined, 'incorrect #address-cells for SPI bus');
      if (sizeCells(ctx, node) !== 0) ctx.report(node, undefined, 'incorrect #size-cells for SPI bus');
    },
  },
  {
    // checks.c check_spi_bus_reg: the unit address is the chip select, the first reg cell.
    name: 'spi_bus_reg',
    level: 'warning',
    on: 'tree',
    prereqs: ['reg_format', 'spi_bus_bridge'],
    fn(ctx, node) {
      if (!node.parent || ctx.bus.get(node.parent) !== 'spi-bus') return;
      if (getProperty(node.parent, 'spi-slave')) return;
      const p = getProperty(node, 'reg');
      if (!p || !p.value.length) {
        ctx.report(node, undefined, 'missing or empty reg property');
        return;
      }
      const expected = cellOf(p.value, 0).toString(16);
      if (unitAddress(node) !== expected) ctx.report(node, undefined, `SPI bus unit address format error, expected "${expected}"`);
    },
  },
  {
    // checks.c check_avoid_default_addr_size: a reg or ranges under a parent that leaves a count to the default.
    name: 'avoid_default_addr_size',
    level: 'warning',
    on: 'tree',
    prereqs: ['addr_size_cells'],
    fn(ctx, node) {
      if (!node.parent || (!getProperty(node, 'reg') && !getProperty(node, 'ranges'))) return;
      if (counts(ctx, node.parent).address === -1) ctx.report(node, undefined, 'Relying on default #address-cells value');
      if (counts(ctx, node.parent).size === -1) ctx.report(node, undefined, 'Relying on default #size-cells value');
    },
  },
  {
    // checks.c check_avoid_unnecessary_addr_size: counts on a node with children, but no ranges and no child with reg.
    name: 'avoid_unnecessary_addr_size',
    level: 'warning',
    on: 'tree',
    prereqs: ['avoid_default_addr_size'],
    fn(ctx, node) {
      const { address, size } = counts(ctx, node);
      if (!node.parent || address < 0 || size < 0) return;
      if (getProperty(node, 'ranges') || !hasChildren(node)) return;
      if (!node.children.some((c) => getProperty(c, 'reg'))) {
        ctx.report(node, undefined, 'unnecessary #address-cells/#size-cells without "ranges" or child "reg" property');
      }
    },
  },
  {
    // checks.c check_unique_unit_address: for each child with a unit address, each earlier sibling with
    // the same one is reported, naming the later.
    name: 'unique_unit_address',
    level: 'warning',
    on: 'tree',
    prereqs: ['avoid_default_addr_size'],
    fn(ctx, node) {
      uniqueUnitAddress(ctx, node, false);
    },
  },
  {
    // checks.c check_unique_unit_address_if_enabled (off by default): as unique_unit_address, among
    // the siblings whose status is not "disabled"
    name: 'unique_unit_address_if_enabled',
    level: 'off',
    on: 'tree',
    prereqs: ['avoid_default_addr_size'],
    fn(ctx, node) {
      uniqueUnitAddress(ctx, node, true);
    },
  },
  {
    // checks.c check_obsolete_chosen_interrupt_controller: reported on the root, at /chosen's property.
    name: 'obsolete_chosen_interrupt_controller',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      if (node.parent) return;
      const chosen = node.children.find((c) => c.name === 'chosen');
      const p = chosen && getProperty(chosen, 'interrupt-controller');
      if (p) ctx.report(node, p, '/chosen has obsolete "interrupt-controller" property');
    },
  },
  {
    // checks.c check_chosen_node_is_root
    name: 'chosen_node_is_root',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      if (node.name === 'chosen' && node.parent !== ctx.tree.root) ctx.report(node, undefined, 'chosen node must be at root node');
    },
  },
  {
    // checks.c check_chosen_node_bootargs
    name: 'chosen_node_bootargs',
    level: 'warning',
    on: 'tree',
    property: 'bootargs',
    fn(ctx, node, p) {
      if (node.name === 'chosen' && !isOneString(p!.value)) ctx.report(node, p, 'property is not a string');
    },
  },
  {
    // checks.c check_chosen_node_stdout_path: stdout-path, or the old linux,stdout-path (told so), is a string.
    name: 'chosen_node_stdout_path',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      if (node.name !== 'chosen') return;
      let p = getProperty(node, 'stdout-path');
      if (!p) {
        p = getProperty(node, 'linux,stdout-path');
        if (!p) return;
        ctx.report(node, p, "Use 'stdout-path' instead");
      }
      if (!isOneString(p.value)) ctx.report(node, p, 'property is not a string');
    },
  },
  ...providerChecks('clocks', 'clocks', '#clock-cells'),
  ...providerChecks('cooling_device', 'cooling-device', '#cooling-cells'),
  ...providerChecks('dmas', 'dmas', '#dma-cells'),
  ...providerChecks('hwlocks', 'hwlocks', '#hwlock-cells'),
  ...providerChecks('interrupts_extended', 'interrupts-extended', '#interrupt-cells'),
  ...providerChecks('io_channels', 'io-channels', '#io-channel-cells'),
  ...providerChecks('iommus', 'iommus', '#iommu-cells'),
  ...providerChecks('mboxes', 'mboxes', '#mbox-cells'),
  ...providerChecks('msi_parent', 'msi-parent', '#msi-cells', true),
  ...providerChecks('mux_controls', 'mux-controls', '#mux-control-cells'),
  ...providerChecks('phys', 'phys', '#phy-cells'),
  ...providerChecks('power_domains', 'power-domains', '#power-domain-cells'),
  ...providerChecks('pwms', 'pwms', '#pwm-cells'),
  ...providerChecks('resets', 'resets', '#reset-cells'),
  ...providerChecks('sound_dai', 'sound-dai', '#sound-dai-cells'),
  ...providerChecks('thermal_sensors', 'thermal-sensors', '#thermal-sensor-cells'),
  {
    // checks.c check_deprecated_gpio_property (off by default)
    name: 'deprecated_gpio_property',
    level: 'off',
    on: 'tree',
    fn(ctx, node) {
      for (const p of node.properties) if (isGpioProperty(p.name) && p.name.endsWith('gpio')) ctx.report(node, p, "'[*-]gpio' is deprecated, use '[*-]gpios' instead");
    },
  },
  {
    // checks.c check_gpios_property
    name: 'gpios_property',
    level: 'warning',
    on: 'tree',
    prereqs: ['phandle_references'],
    fn(ctx, node) {
      if (getProperty(node, 'gpio-hog')) return;
      for (let i = 0; i < node.properties.length; i++) {
        const p = node.properties[i]!;
        if (isGpioProperty(p.name)) phandleArgs(ctx, node, p, '#gpio-cells');
      }
    },
  },
  {
    // checks.c check_interrupts_property (in dtc 1.6.1 its prerequisite is given where its data goes,
    // so it has none)
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
    // checks.c check_interrupt_provider, as dtc 1.6.1 has it
    name: 'interrupt_provider',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      if (!isInterruptProvider(node)) return;
      if (!getProperty(node, '#interrupt-cells')) ctx.report(node, undefined, 'Missing #interrupt-cells in interrupt provider');
      if (!getProperty(node, '#address-cells')) ctx.report(node, undefined, 'Missing #address-cells in interrupt provider');
    },
  },
  {
    // checks.c check_alias_paths: each property of an `aliases` node names a node by its full path,
    // and is itself named in lowercase, digits and '-'.
    name: 'alias_paths',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      if (node.name !== 'aliases') return;
      for (const p of node.properties) {
        if (p.name === 'phandle' || p.name === 'linux,phandle') continue;
        if (!p.value.length || !nodeByPath(ctx.tree.root, cString(p.value))) {
          // dtc prints an empty value's missing string as glibc prints a null %s
          ctx.report(node, p, `aliases property is not a valid node (${p.value.length ? cString(p.value) : '(null)'})`);
          continue;
        }
        if (!ALIAS_NAME.test(p.name)) ctx.report(node, undefined, "aliases property name must include only lowercase and '-'");
      }
    },
  },
  {
    // checks.c check_graph_nodes: a node with an endpoint child (by name, or by its remote-endpoint) is
    // a graph port, and its parent, if no bus yet and named ports or the port has a reg, holds ports.
    // Reports nothing.
    name: 'graph_nodes',
    level: 'warning',
    on: 'tree',
    fn(ctx, node) {
      if (!node.children.some((c) => baseName(c) === 'endpoint' || getProperty(c, 'remote-endpoint'))) return;
      ctx.bus.set(node, 'graph-port');
      const parent = node.parent;
      if (parent && !ctx.bus.has(parent) && (parent.name === 'ports' || getProperty(node, 'reg'))) ctx.bus.set(parent, 'graph-ports');
    },
  },
  {
    // checks.c check_graph_child_address: a port or ports node with one child, at address 0, needs no counts.
    name: 'graph_child_address',
    level: 'warning',
    on: 'tree',
    prereqs: ['graph_nodes'],
    fn(ctx, node) {
      const bus = ctx.bus.get(node);
      if (bus !== 'graph-ports' && bus !== 'graph-port') return;
      let count = 0;
      for (const child of node.children) {
        const reg = getProperty(child, 'reg');
        if (reg && firstCell(reg.value) !== 0) return;
        count++;
      }
      if (count === 1 && counts(ctx, node).address !== -1) {
        ctx.report(node, undefined, `graph node has single child node '${node.children[0]!.name}', #address-cells/#size-cells are not necessary`);
      }
    },
  },
  {
    // checks.c check_graph_port
    name: 'graph_port',
    level: 'warning',
    on: 'tree',
    prereqs: ['graph_nodes'],
    fn(ctx, node) {
      if (ctx.bus.get(node) !== 'graph-port') return;
      if (baseName(node) !== 'port') ctx.report(node, undefined, "graph port node name should be 'port'");
      graphReg(ctx, node);
    },
  },
  {
    // checks.c check_graph_endpoint: an endpoint's remote-endpoint points back at it.
    name: 'graph_endpoint',
    level: 'warning',
    on: 'tree',
    prereqs: ['graph_nodes'],
    fn(ctx, node) {
      if (!node.parent || ctx.bus.get(node.parent) !== 'graph-port') return;
      if (baseName(node) !== 'endpoint') ctx.report(node, undefined, "graph endpoint node name should be 'endpoint'");
      graphReg(ctx, node);
      const remote = remoteEndpoint(ctx, node);
      if (remote && remoteEndpoint(ctx, remote) !== node) ctx.report(node, undefined, `graph connection to node '${nodePath(remote)}' is not bidirectional`);
    },
  },
  {
    // checks.c check_always_fail (off by default): dtc's own test of its check machinery, on every node
    name: 'always_fail',
    level: 'off',
    on: 'tree',
    fn(ctx, node) {
      ctx.report(node, undefined, 'always_fail check');
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

/** The nodes the warning checks visit, in dtc's order (pre-order): all but what the compiler generated after them. */
function checkedNodes(root: DtNode): DtNode[] {
  const out: DtNode[] = [];
  const stack: DtNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) if (!n.children[i]!.generated) stack.push(n.children[i]!);
  }
  return out;
}

/** Whether a check prints as a warning (dtc's c->warn) and as an error (c->error). */
export interface CheckLevel {
  warn: boolean;
  error: boolean;
}

/**
 * One of dtc's -W / -E switches: turn a check's warning level (`-W NAME`) or error level
 * (`-E NAME`, `--error` in bringup dt) on, or off (`no-NAME`).
 */
export interface CheckSwitch {
  check: string;
  level: 'warning' | 'error';
  on: boolean;
}

const isOn = (levels: ReadonlyMap<string, CheckLevel>, name: string) => {
  const l = levels.get(name);
  return l !== undefined && (l.warn || l.error);
};

const DEFAULT_LEVELS: ReadonlyMap<string, CheckLevel> = new Map(CHECKS.map((c) => [c.name, { warn: c.level === 'warning', error: c.level === 'error' }]));

/**
 * The level each check runs at after dtc's switches, applied in order as checks.c does: turning a
 * level on turns it on for the check's prerequisites too; turning it off turns it off for every
 * check that depends on it. The ERROR checks run as the source is resolved (they fix up references),
 * so they cannot be turned off here; a switch naming one that would is refused, as is an unknown name.
 */
export function checkLevels(switches: readonly CheckSwitch[]): Map<string, CheckLevel> {
  const levels = new Map<string, CheckLevel>();
  for (const [name, l] of DEFAULT_LEVELS) levels.set(name, { ...l });
  const byName = new Map(CHECKS.map((c) => [c.name, c]));
  const prereqsOf = (c: Check) => (c.on === 'tree' ? (c.prereqs ?? []) : []);
  const enable = (c: Check, warn: boolean, error: boolean): void => {
    const l = levels.get(c.name)!;
    if ((warn && !l.warn) || (error && !l.error)) for (const p of prereqsOf(c)) enable(byName.get(p)!, warn, error);
    l.warn ||= warn;
    l.error ||= error;
  };
  const disable = (c: Check, warn: boolean, error: boolean): void => {
    for (const other of CHECKS) if (prereqsOf(other).includes(c.name)) disable(other, warn, error);
    const l = levels.get(c.name)!;
    l.warn &&= !warn;
    l.error &&= !error;
  };
  for (const sw of switches) {
    const check = byName.get(sw.check);
    if (!check) throw new Error(`unknown check "${sw.check}"`);
    const warn = sw.level === 'warning';
    if (sw.on) enable(check, warn, !warn);
    else if (check.on === 'source' && !warn) throw new Error(`the error check "${sw.check}" cannot be turned off`);
    else disable(check, warn, !warn);
  }
  return levels;
}

/** Parses dtc's switch argument: `NAME`, or `no-NAME` / `no_NAME` to turn it off. */
export function parseCheckSwitch(arg: string, level: CheckSwitch['level']): CheckSwitch {
  const off = arg.startsWith('no-') || arg.startsWith('no_');
  return { check: off ? arg.slice(3) : arg, level, on: !off };
}

/**
 * dtc's checks over a tree (all but the ERROR checks, which run on the source as it is resolved), as
 * checks.c process_checks and run_check run them: each check that is on, in table order, after its
 * prerequisites (on or not), each over the whole tree before the next. A finding is named after its
 * dtc check, a `warning`, or an `error` where --error made it one; a check that is off finds, for
 * the checks that need it, and prints nothing. A check whose prerequisite did not pass reports that
 * alone, with no node and no position (dtc names its output file there, which the caller knows and
 * this does not). `levels`: from checkLevels (dtc's -W and -E); by default, each check's own.
 */
export function runChecks(tree: DtTree, levels: ReadonlyMap<string, CheckLevel> = DEFAULT_LEVELS): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let current = '';
  let shown: CheckLevel = { warn: false, error: false };
  let failed = false;
  const finding = (code: string, message: string): Diagnostic => ({ severity: levels.get(code)?.error ? 'error' : 'warning', code, message });
  const ctx: CheckContext = {
    tree,
    phandles: phandleIndex(tree),
    report(node, p, message) {
      failed = true;
      if (!shown.warn && !shown.error) return;
      const span = p?.span ?? node.span;
      const d: Diagnostic = { ...finding(current, message), nodePath: p ? `${nodePath(node)}:${p.name}` : nodePath(node) };
      if (span) d.span = span;
      else if (tree.source) d.file = tree.source;
      if (!p && node.alsoAt?.length) d.alsoAt = node.alsoAt;
      diagnostics.push(d);
    },
    cellCounts: new Map(),
    bus: new Map(),
  };
  // No warning check adds or removes a node or property, so one walk serves them all, and one pass over
  // the properties finds, for each check that names one, the nodes that have it (in walk order).
  const nodes = checkedNodes(tree.root);
  const checks = new Map<string, TreeCheck>();
  for (const check of CHECKS) if (check.on === 'tree') checks.set(check.name, check);
  const holders = new Map<string, { node: DtNode; prop: DtProperty }[]>();
  for (const check of checks.values()) if (check.property !== undefined) holders.set(check.property, []);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const ps = node.properties;
    for (let k = 0; k < ps.length; k++) {
      const list = holders.get(ps[k]!.name);
      // The first property of the name, as getProperty would find it.
      if (list !== undefined && (list.length === 0 || list[list.length - 1]!.node !== node)) list.push({ node, prop: ps[k]! });
    }
  }
  const passed = new Map<string, boolean>();
  const run = (check: TreeCheck): void => {
    if (passed.has(check.name)) return;
    let ok = true;
    for (const name of check.prereqs ?? []) {
      const prereq = checks.get(name);
      if (prereq === undefined) continue; // an ERROR check: it passed, or no warning check would run
      run(prereq);
      if (passed.get(name)) continue;
      ok = false;
      if (isOn(levels, check.name)) diagnostics.push(finding(check.name, `Failed prerequisite '${name}'`));
    }
    if (!ok) {
      passed.set(check.name, false);
      return;
    }
    current = check.name;
    shown = levels.get(check.name) ?? shown;
    failed = false;
    if (check.property !== undefined) {
      const list = holders.get(check.property)!;
      for (let i = 0; i < list.length; i++) check.fn(ctx, list[i]!.node, list[i]!.prop);
    } else for (let i = 0; i < nodes.length; i++) check.fn(ctx, nodes[i]!, undefined);
    passed.set(check.name, !failed);
  };
  for (const check of checks.values()) if (isOn(levels, check.name)) run(check);
  return diagnostics;
}
