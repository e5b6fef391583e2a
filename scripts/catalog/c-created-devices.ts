// Reads from one kernel C file the devices a platform driver's probe creates by hand, and the names a
// platform driver matches such devices by: `struct platform_device_id` tables (platform_match() in
// drivers/base/platform.c), `struct mfd_cell` tables handed to (devm_)mfd_add_devices() (drivers/mfd/
// mfd-core.c, include/linux/mfd/core.h MFD_CELL_* macros), and of_platform_populate() on nodes found by
// compatible elsewhere in the tree (drivers/bus/vexpress-config.c vexpress_syscfg_probe()).
// A text scanner over comment-stripped source, like c-scan.ts: what it cannot read for certain it leaves out.

/** include/linux/platform_device.h */
export const PLATFORM_DEVID_NONE = -1;
export const PLATFORM_DEVID_AUTO = -2;

export interface ScannedMfdCell {
  /** cell->name: the platform device's name (pdev->name), what drivers match by id_table or drv->name. */
  name: string;
  /** cell->id, added to the mfd_add_devices() id unless that is PLATFORM_DEVID_AUTO. */
  id: number;
  /** cell->of_compatible: the child of the parent's node the cell takes as its of_node. */
  ofCompatible?: string;
  /** cell->of_reg when cell->use_of_reg: the child's first address must equal it. */
  ofReg?: number;
}

/** One mfd_add_devices(parent, id, cells, ...) call: the id and the cell table, in table order. */
export interface ScannedMfdCells {
  devid: number;
  cells: ScannedMfdCell[];
}

/**
 * for_each_compatible_node(np, NULL, compatible) { ... of_platform_populate(np, ...) }: the probe creates
 * devices for the children of every node with that compatible, optionally only of those whose `phandle`
 * property points at the probing device's own node (`self`) or its parent's (`parent`).
 */
export interface ScannedLinkedPopulate {
  compatible: string;
  phandle?: string;
  of?: 'self' | 'parent';
}

/** Index just past the bracket that closes the one at `open` ('{' or '('), skipping strings. */
export function matchBracket(src: string, open: number): number {
  const o = src[open]!;
  const c = o === '(' ? ')' : '}';
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const ch = src[i];
    if (ch === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
    } else if (ch === o) depth++;
    else if (ch === c) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return src.length;
}

/** The comma-separated items of a bracketed list (`{ a, b }` or `(a, b)`), split at its top level only. */
export function topLevelItems(list: string): string[] {
  const inner = list.slice(1, list.endsWith('}') || list.endsWith(')') ? -1 : undefined);
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '"') {
      i++;
      while (i < inner.length && inner[i] !== '"') i += inner[i] === '\\' ? 2 : 1;
    } else if (ch === '{' || ch === '(' || ch === '[') depth++;
    else if (ch === '}' || ch === ')' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(inner.slice(start).trim());
  return out.filter((s) => s.length > 0);
}

/** An entry `{ .a = x, .b = { ... } }` with everything nested inside it blanked out: its own fields only. */
function ownFields(entry: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < entry.length; i++) {
    const ch = entry[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < entry.length && entry[j] !== '"') j += entry[j] === '\\' ? 2 : 1;
      if (depth <= 1) out += entry.slice(i, j + 1);
      i = j;
    } else if (ch === '{' || ch === '(') {
      depth++;
      if (depth === 1 && ch === '{') out += ch;
    } else if (ch === '}' || ch === ')') {
      if (depth === 1 && ch === '}') out += ch;
      depth--;
    } else if (depth <= 1) out += ch;
  }
  return out;
}

function parseIntLiteral(text: string): number | undefined {
  const t = text.trim().replace(/^\((.*)\)$/, '$1').replace(/[uUlL]+$/, '');
  if (/^-?(?:0x[0-9a-fA-F]+|\d+)$/.test(t)) return Number(t.startsWith('-') ? -Number(t.slice(1)) : Number(t));
  return undefined;
}

type Resolve = (ident: string) => string | undefined;

function stringValue(text: string | undefined, resolve: Resolve, modname: string): string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const lit = /^"((?:[^"\\]|\\.)*)"$/.exec(t);
  if (lit) return lit[1];
  if (t === 'KBUILD_MODNAME') return modname;
  if (/^\w+$/.test(t)) return resolve(t);
  return undefined;
}

/** `struct platform_device_id NAME[] = { { "a", 0 }, { .name = "b" }, { } }` → NAME → ['a', 'b']. */
export function scanPlatformIdTables(src: string, resolve: Resolve, modname: string): Map<string, string[]> {
  const tables = new Map<string, string[]>();
  for (const m of src.matchAll(/struct\s+platform_device_id\s+(\w+)\s*\[[^\]]*\]\s*(?:__\w+\s*)*=\s*\{/g)) {
    const open = m.index! + m[0].length - 1;
    const names: string[] = [];
    let readable = true;
    for (const entry of topLevelItems(src.slice(open, matchBracket(src, open)))) {
      if (!entry.startsWith('{')) continue;
      const fields = ownFields(entry);
      const named = /\.name\s*=\s*("(?:[^"\\]|\\.)*"|\w+)/.exec(fields);
      const first = topLevelItems(fields)[0];
      const raw = named ? named[1] : first && !first.startsWith('.') ? first : undefined;
      if (raw === undefined) continue; // the { } sentinel
      const name = stringValue(raw, resolve, modname);
      if (name === undefined) readable = false;
      else names.push(name);
    }
    if (readable) tables.set(m[1]!, names);
  }
  return tables;
}

/** MFD_CELL_* macro argument positions (include/linux/mfd/core.h): name, id, of_compatible, of_reg. */
const MFD_CELL_MACROS: Record<string, { id?: number; compat?: number; reg?: number }> = {
  MFD_CELL_ALL: { id: 4, compat: 5, reg: 6 },
  MFD_CELL_OF_REG: { id: 4, compat: 5, reg: 6 },
  MFD_CELL_OF: { id: 4, compat: 5 },
  MFD_CELL_ACPI: { id: 4 },
  MFD_CELL_BASIC: { id: 4 },
  MFD_CELL_RES: {},
  MFD_CELL_NAME: {},
};

/** One table entry as a cell, or null when a field it needs is not a literal this scanner can read. */
function parseCell(entry: string, resolve: Resolve, modname: string): ScannedMfdCell | null {
  const macro = /^(MFD_CELL_\w+)\s*\(/.exec(entry);
  if (macro) {
    const shape = MFD_CELL_MACROS[macro[1]!];
    if (!shape) return null;
    const args = topLevelItems(entry.slice(macro[0].length - 1, matchBracket(entry, macro[0].length - 1)));
    const name = stringValue(args[0], resolve, modname);
    if (name === undefined) return null;
    const id = shape.id === undefined ? 0 : parseIntLiteral(args[shape.id] ?? '0');
    if (id === undefined) return null;
    const cell: ScannedMfdCell = { name, id };
    const compat = shape.compat === undefined ? undefined : args[shape.compat]?.trim();
    if (compat && compat !== 'NULL') {
      const c = stringValue(compat, resolve, modname);
      if (c === undefined) return null;
      cell.ofCompatible = c;
    }
    // MFD_CELL_ALL's 8th argument is use_of_reg; MFD_CELL_OF_REG sets it
    const useReg = macro[1] === 'MFD_CELL_OF_REG' || (macro[1] === 'MFD_CELL_ALL' && args[7]?.trim() === 'true');
    if (useReg && shape.reg !== undefined) {
      const reg = parseIntLiteral(args[shape.reg] ?? '');
      if (reg === undefined) return null;
      cell.ofReg = reg;
    }
    return cell;
  }
  if (!entry.startsWith('{')) return null;
  const fields = ownFields(entry);
  const field = (f: string): string | undefined => new RegExp(`\\.${f}\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|[^,}]+)`).exec(fields)?.[1]?.trim();
  const name = stringValue(field('name'), resolve, modname);
  if (name === undefined) return null;
  const idText = field('id');
  const id = idText === undefined ? 0 : parseIntLiteral(idText);
  if (id === undefined) return null;
  const cell: ScannedMfdCell = { name, id };
  const compat = field('of_compatible');
  if (compat !== undefined) {
    const c = stringValue(compat, resolve, modname);
    if (c === undefined) return null;
    cell.ofCompatible = c;
  }
  if (field('use_of_reg') === 'true') {
    const reg = parseIntLiteral(field('of_reg') ?? '');
    if (reg === undefined) return null;
    cell.ofReg = reg;
  }
  return cell;
}

function devidValue(text: string): number | undefined {
  const t = text.trim();
  if (t === 'PLATFORM_DEVID_AUTO') return PLATFORM_DEVID_AUTO;
  if (t === 'PLATFORM_DEVID_NONE') return PLATFORM_DEVID_NONE;
  return parseIntLiteral(t);
}

/**
 * The cells the file's probe adds, when it can be read for certain: exactly one (devm_)mfd_add_devices()
 * call site, whose id is a constant and whose table is a `struct mfd_cell` array of this file with every
 * cell readable. A file with several call sites (variants, conditional cells) or a table built at run
 * time yields nothing: guessing would create devices the kernel does not.
 */
export function scanMfdCells(src: string, resolve: Resolve, modname: string): ScannedMfdCells | null {
  const calls = [...src.matchAll(/\b(?:devm_)?mfd_add_devices\s*\(/g)].filter((m) => {
    const lineStart = src.lastIndexOf('\n', m.index!) + 1;
    return !/^\s*#/.test(src.slice(lineStart, m.index!));
  });
  if (calls.length !== 1) return null;
  const open = calls[0]!.index! + calls[0]![0].length - 1;
  const args = topLevelItems(src.slice(open, matchBracket(src, open)));
  const devid = devidValue(args[1] ?? '');
  const table = /^&?\s*(\w+)$/.exec((args[2] ?? '').trim())?.[1];
  if (devid === undefined || !table) return null;
  const def = new RegExp(`struct\\s+mfd_cell\\s+${table}\\s*\\[[^\\]]*\\]\\s*(?:__\\w+\\s*)*=\\s*\\{`).exec(src);
  if (!def) return null;
  const start = def.index + def[0].length - 1;
  const cells: ScannedMfdCell[] = [];
  for (const entry of topLevelItems(src.slice(start, matchBracket(src, start)))) {
    const cell = parseCell(entry, resolve, modname);
    if (!cell) return null;
    cells.push(cell);
  }
  return cells.length ? { devid, cells } : null;
}

/** The for_each_compatible_node() loops whose body hands the loop's node to of_platform_populate(). */
export function scanLinkedPopulates(src: string): { populates: ScannedLinkedPopulate[]; callsInside: number } {
  const populates: ScannedLinkedPopulate[] = [];
  let callsInside = 0;
  for (const m of src.matchAll(/\bfor_each_compatible_node\s*\(\s*(\w+)\s*,\s*[^,]+,\s*"([^"]+)"\s*\)\s*\{/g)) {
    const np = m[1]!;
    const open = m.index! + m[0].length - 1;
    const body = src.slice(open, matchBracket(src, open));
    const calls = [...body.matchAll(new RegExp(`\\b(?:devm_)?of_platform_(?:default_)?populate\\s*\\(\\s*${np}\\b`, 'g'))].length;
    if (!calls) continue;
    callsInside += calls;
    const entry: ScannedLinkedPopulate = { compatible: m[2]! };
    // bridge = of_parse_phandle(np, "prop", 0); if (bridge != pdev->dev.parent->of_node) continue;
    const parsed = new RegExp(`\\b(\\w+)\\s*=\\s*of_parse_phandle\\s*\\(\\s*${np}\\s*,\\s*"([^"]+)"\\s*,\\s*0\\s*\\)`).exec(body);
    if (parsed) {
      const cmp = new RegExp(`\\b${parsed[1]}\\s*!=\\s*([\\w.>-]+)`).exec(body)?.[1];
      if (!cmp) continue;
      entry.phandle = parsed[2]!;
      if (/(?:\.|->)parent->of_node$/.test(cmp)) entry.of = 'parent';
      else if (/(?:\.|->)of_node$/.test(cmp)) entry.of = 'self';
      else continue;
    }
    populates.push(entry);
  }
  return { populates, callsInside };
}
