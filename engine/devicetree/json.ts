// The tree as JSON for tools and the app (schema documented in docs/cli-dt.md, version 1): a flat,
// pre-order node list (so depth never nests the document), each property with its raw bytes in hex and
// a decoded form split by the value's type markers (or dtc's type guess for blob input), labels,
// phandle references and the `file:line:col` it came from with its include chain.
import { decodeUtf8 } from './lex';
import type { SourceSpan } from '../common';
import { guessValueType } from './dts-print';
import { phandleOf, walk, type DtNode, type DtProperty, type DtTree, type Marker } from './tree';

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
        }
        return jp;
      }),
    };
    if (node.span) {
      jn.source = where(node.span);
      if (node.span.includedFrom?.length) jn.includedFrom = chain(node.span);
    }
    if (node.alsoAt?.length) jn.alsoAt = node.alsoAt.map(where);
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
