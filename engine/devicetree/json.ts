// The tree as JSON for tools and the app (schema documented in docs/cli-dt.md, version 1): a flat,
// pre-order node list (so depth never nests the document), each property with its raw bytes in hex and
// a decoded form split by the value's type markers (or dtc's type guess for blob input), labels,
// phandle references and the `file:line:col` it came from with its include chain. `treeFromJson` is the
// way back (as dtc's dt_from_* front ends): the app's main process sends the board this way, so the tree
// the renderer predicts with keeps every source span, which a DTB cannot carry.
import { decodeUtf8 } from './lex';
import type { Diagnostic, IncludeFrame, Result, SourceSpan } from '../common';
import { guessValueType } from './dts-print';
import { createNode, createTree, phandleOf, walk, type DtNode, type DtProperty, type DtTree, type Marker, type MarkerKind } from './tree';

export interface JsonChunk {
  type: 'string' | 'u8' | 'u16' | 'u32' | 'u64';
  /** Strings for `string`, numbers for u8/u16/u32, `0x…` hex strings for u64. */
  values: (string | number)[];
}

export interface JsonProperty {
  name: string;
  labels: string[];
  hex: string;
  length: number;
  decoded: JsonChunk[];
  refs: { offset: number; kind: 'phandle' | 'path'; ref: string }[];
  source?: string;
  includedFrom?: string[];
  /** The whole span of `source` (start and end, include chain as frames). */
  span?: SourceSpan;
}

export interface JsonNode {
  path: string;
  name: string;
  unitAddress: string;
  parent: string | null;
  labels: string[];
  phandle: number | null;
  source?: string;
  alsoAt?: string[];
  includedFrom?: string[];
  /** The whole span of `source`, and of each `alsoAt`. */
  span?: SourceSpan;
  alsoAtSpans?: SourceSpan[];
  properties: JsonProperty[];
}

export interface JsonTree {
  schema: 'bringup-dt/1';
  source: string | null;
  plugin: boolean;
  bootCpuid: number;
  memreserve: { address: string; size: string; labels: string[] }[];
  nodes: JsonNode[];
}

const where = (s: SourceSpan) => `${s.file}:${s.line}:${s.col}`;
const chain = (s: SourceSpan) => (s.includedFrom ?? []).map((f) => `${f.file}:${f.line}`);

const TYPE_NAMES: Record<string, JsonChunk['type']> = { 'type-string': 'string', 'type-uint8': 'u8', 'type-uint16': 'u16', 'type-uint32': 'u32', 'type-uint64': 'u64' };

function decode(prop: DtProperty): JsonChunk[] {
  const v = prop.value;
  if (!v.length) return [];
  let types: Marker[] = prop.markers.filter((m) => m.kind.startsWith('type-'));
  if (!types.length) types = [{ kind: guessValueType(prop), offset: 0 }];
  const chunks: JsonChunk[] = [];
  types.forEach((m, i) => {
    const end = i + 1 < types.length ? types[i + 1]!.offset : v.length;
    const type = TYPE_NAMES[m.kind]!;
    const values: (string | number)[] = [];
    if (type === 'string') {
      let start = m.offset;
      for (let k = m.offset; k < end; k++) {
        if (v[k] === 0) {
          values.push(decodeUtf8(v.subarray(start, k)));
          start = k + 1;
        }
      }
      if (start < end) values.push(decodeUtf8(v.subarray(start, end)));
    } else {
      const w = type === 'u8' ? 1 : type === 'u16' ? 2 : type === 'u32' ? 4 : 8;
      for (let p = m.offset; p + w <= end; p += w) {
        let x = 0n;
        for (let k = 0; k < w; k++) x = (x << 8n) | BigInt(v[p + k]!);
        values.push(w === 8 ? '0x' + x.toString(16) : Number(x));
      }
    }
    if (end > m.offset || types.length === 1) chunks.push({ type, values });
  });
  return chunks;
}

function hexOf(v: Uint8Array): string {
  let s = '';
  for (const b of v) s += b.toString(16).padStart(2, '0');
  return s;
}

export function treeToJson(tree: DtTree): JsonTree {
  const nodes: JsonNode[] = [];
  // Paths are built from the parent's, so the walk stays linear in the output size.
  const paths = new Map<DtNode, string>();
  for (const node of walk(tree.root)) {
    const parentPath = node.parent ? paths.get(node.parent)! : null;
    const path = parentPath === null ? '/' : parentPath === '/' ? `/${node.name}` : `${parentPath}/${node.name}`;
    paths.set(node, path);
    const at = node.name.indexOf('@');
    const jn: JsonNode = {
      path,
      name: node.name,
      unitAddress: at < 0 ? '' : node.name.slice(at + 1),
      parent: parentPath,
      labels: [...node.labels],
      phandle: phandleOf(node) ?? null,
      properties: node.properties.map((p) => {
        const jp: JsonProperty = {
          name: p.name,
          labels: [...p.labels],
          hex: hexOf(p.value),
          length: p.value.length,
          decoded: decode(p),
          refs: p.markers
            .filter((m) => m.kind === 'ref-phandle' || m.kind === 'ref-path')
            .map((m) => ({ offset: m.offset, kind: m.kind === 'ref-phandle' ? ('phandle' as const) : ('path' as const), ref: m.ref ?? '' })),
        };
        if (p.span) {
          jp.source = where(p.span);
          if (p.span.includedFrom?.length) jp.includedFrom = chain(p.span);
          jp.span = copySpan(p.span);
        }
        return jp;
      }),
    };
    if (node.span) {
      jn.source = where(node.span);
      if (node.span.includedFrom?.length) jn.includedFrom = chain(node.span);
      jn.span = copySpan(node.span);
    }
    if (node.alsoAt?.length) {
      jn.alsoAt = node.alsoAt.map(where);
      jn.alsoAtSpans = node.alsoAt.map(copySpan);
    }
    nodes.push(jn);
  }
  return {
    schema: 'bringup-dt/1',
    source: tree.source ?? null,
    plugin: tree.isPlugin,
    bootCpuid: tree.bootCpuid,
    memreserve: tree.memreserve.map((r) => ({ address: '0x' + r.address.toString(16), size: '0x' + r.size.toString(16), labels: [...(r.labels ?? [])] })),
    nodes,
  };
}

function copySpan(s: SourceSpan): SourceSpan {
  const out: SourceSpan = { file: s.file, line: s.line, col: s.col, endLine: s.endLine, endCol: s.endCol };
  if (s.includedFrom?.length) out.includedFrom = s.includedFrom.map((f) => ({ file: f.file, line: f.line }));
  return out;
}

// ---- the way back ---------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const MARKER_OF: Record<JsonChunk['type'], MarkerKind> = { string: 'type-string', u8: 'type-uint8', u16: 'type-uint16', u32: 'type-uint32', u64: 'type-uint64' };

function spanFrom(span: unknown, source: unknown, includedFrom: unknown): SourceSpan | undefined {
  if (isObj(span) && typeof span.file === 'string' && Number.isInteger(span.line) && Number.isInteger(span.col)) {
    const line = span.line as number;
    const col = span.col as number;
    const out: SourceSpan = { file: span.file, line, col, endLine: Number.isInteger(span.endLine) ? (span.endLine as number) : line, endCol: Number.isInteger(span.endCol) ? (span.endCol as number) : col };
    const frames = Array.isArray(span.includedFrom) ? span.includedFrom.filter((f): f is IncludeFrame => isObj(f) && typeof f.file === 'string' && Number.isInteger(f.line)) : [];
    if (frames.length) out.includedFrom = frames.map((f) => ({ file: f.file, line: f.line }));
    return out;
  }
  // Older documents (and hand-written ones) carry only `file:line:col` and `file:line` include frames.
  if (typeof source !== 'string') return undefined;
  const m = /^(.*):(\d+):(\d+)$/.exec(source);
  if (!m) return undefined;
  const out: SourceSpan = { file: m[1]!, line: Number(m[2]), col: Number(m[3]), endLine: Number(m[2]), endCol: Number(m[3]) };
  const frames = Array.isArray(includedFrom) ? includedFrom.map((f) => (typeof f === 'string' ? /^(.*):(\d+)$/.exec(f) : null)).filter((x): x is RegExpExecArray => x !== null) : [];
  if (frames.length) out.includedFrom = frames.map((f) => ({ file: f[1]!, line: Number(f[2]) }));
  return out;
}

const WIDTH = { u8: 1, u16: 2, u32: 4, u64: 8 } as const;

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

function bytesOf(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Rebuilds a tree from a `bringup-dt/1` document: nodes, property bytes, labels, references as markers,
 * and every source span. Type markers are placed from the decoded chunks' sizes. A malformed entry is
 * reported and skipped; the rest of the tree is kept (as dtc keeps going after an error).
 */
export function treeFromJson(json: unknown): Result<DtTree> {
  const diagnostics: Diagnostic[] = [];
  const bad = (message: string, nodePath?: string) => diagnostics.push({ severity: 'error', code: 'json_tree', message, ...(nodePath ? { nodePath } : {}) });
  const tree = createTree();
  if (!isObj(json) || json.schema !== 'bringup-dt/1' || !Array.isArray(json.nodes)) {
    bad('not a bringup-dt/1 tree document');
    return { value: tree, diagnostics };
  }
  if (typeof json.source === 'string') tree.source = json.source;
  tree.isPlugin = json.plugin === true;
  if (Number.isInteger(json.bootCpuid)) tree.bootCpuid = json.bootCpuid as number;
  if (Array.isArray(json.memreserve)) {
    for (const r of json.memreserve) {
      if (!isObj(r) || typeof r.address !== 'string' || typeof r.size !== 'string') continue;
      try {
        tree.memreserve.push({ address: BigInt(r.address), size: BigInt(r.size), ...(Array.isArray(r.labels) && r.labels.length ? { labels: r.labels.filter((l): l is string => typeof l === 'string') } : {}) });
      } catch {
        bad(`memreserve entry ${r.address}/${r.size} is not a number`);
      }
    }
  }
  const byPath = new Map<string, DtNode>();
  for (const raw of json.nodes) {
    if (!isObj(raw) || typeof raw.path !== 'string' || typeof raw.name !== 'string') {
      bad('node entry without path or name');
      continue;
    }
    let node: DtNode;
    if (raw.parent === null) {
      node = tree.root;
      node.name = raw.name;
    } else {
      const parent = typeof raw.parent === 'string' ? byPath.get(raw.parent) : undefined;
      if (!parent) {
        bad(`parent ${String(raw.parent)} not listed before the node`, raw.path);
        continue;
      }
      node = createNode(raw.name, parent);
      parent.children.push(node);
    }
    byPath.set(raw.path, node);
    if (Array.isArray(raw.labels)) node.labels = raw.labels.filter((l): l is string => typeof l === 'string');
    const span = spanFrom(raw.span, raw.source, raw.includedFrom);
    if (span) node.span = span;
    const also = Array.isArray(raw.alsoAtSpans) ? raw.alsoAtSpans.map((s) => spanFrom(s, undefined, undefined)) : Array.isArray(raw.alsoAt) ? raw.alsoAt.map((s) => spanFrom(undefined, s, undefined)) : [];
    const alsoAt = also.filter((s): s is SourceSpan => s !== undefined);
    if (alsoAt.length) node.alsoAt = alsoAt;
    for (const p of Array.isArray(raw.properties) ? raw.properties : []) {
      const value = isObj(p) && typeof p.name === 'string' && typeof p.hex === 'string' ? bytesOf(p.hex) : null;
      if (!isObj(p) || !value) {
        bad('property entry without name or with a bad hex value', raw.path);
        continue;
      }
      const markers: Marker[] = [];
      // Each chunk starts where the previous one's bytes end: strings are UTF-8 plus their NUL.
      let at = 0;
      for (const c of Array.isArray(p.decoded) ? p.decoded : []) {
        if (!isObj(c) || typeof c.type !== 'string' || !(c.type in MARKER_OF) || !Array.isArray(c.values)) break;
        markers.push({ kind: MARKER_OF[c.type as JsonChunk['type']], offset: at });
        at += c.type === 'string' ? c.values.reduce((n: number, v) => n + utf8Length(String(v)) + 1, 0) : c.values.length * WIDTH[c.type as Exclude<JsonChunk['type'], 'string'>];
      }
      for (const r of Array.isArray(p.refs) ? p.refs : []) {
        if (isObj(r) && Number.isInteger(r.offset) && (r.kind === 'phandle' || r.kind === 'path') && typeof r.ref === 'string') markers.push({ kind: r.kind === 'phandle' ? 'ref-phandle' : 'ref-path', offset: r.offset as number, ref: r.ref });
      }
      markers.sort((a, b) => a.offset - b.offset);
      const prop: DtProperty = { name: p.name as string, value, labels: Array.isArray(p.labels) ? p.labels.filter((l): l is string => typeof l === 'string') : [], markers };
      const ps = spanFrom(p.span, p.source, p.includedFrom);
      if (ps) prop.span = ps;
      node.properties.push(prop);
    }
  }
  return { value: tree, diagnostics };
}
