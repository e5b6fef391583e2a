// Prints the tree as DTS text exactly as `dtc -O dts` (1.6.1) does (dtc treesource.c dt_to_source):
// values split by their type markers (or a guessed type when the tree came from a blob), labels in
// place, phandle references shown as the resolved cells. Iterative, so 10,000-deep trees print.
import type { DtNode, DtProperty, DtTree, Marker } from './tree';

const isPrint = (c: number) => c >= 0x20 && c < 0x7f;
const isStringByte = (c: number) => isPrint(c) || c === 0 || (c >= 7 && c <= 13);

type TypeKind = 'type-uint8' | 'type-uint16' | 'type-uint32' | 'type-uint64' | 'type-string';
const isType = (m: Marker) => m.kind.startsWith('type-');
const DELIM_START: Record<TypeKind, string> = { 'type-uint8': '[', 'type-uint16': '/bits/ 16 <', 'type-uint32': '<', 'type-uint64': '/bits/ 64 <', 'type-string': '' };
const DELIM_END: Record<TypeKind, string> = { 'type-uint8': ']', 'type-uint16': '>', 'type-uint32': '>', 'type-uint64': '>', 'type-string': '' };

/** treesource.c guess_value_type */
export function guessValueType(prop: DtProperty): TypeKind {
  const v = prop.value;
  const len = v.length;
  let notString = 0;
  let nul = 0;
  for (let i = 0; i < len; i++) {
    if (!isStringByte(v[i]!)) notString++;
    if (v[i] === 0) nul++;
  }
  let notStringLabel = 0;
  let notCellLabel = 0;
  for (const m of prop.markers) {
    if (m.kind !== 'label') continue;
    if (m.offset > 0 && v[m.offset - 1] !== 0) notStringLabel++;
    if (m.offset % 4 !== 0) notCellLabel++;
  }
  if (len > 0 && v[len - 1] === 0 && notString === 0 && nul <= len - nul && notStringLabel === 0) return 'type-string';
  if (len % 4 === 0 && notCellLabel === 0) return 'type-uint32';
  return 'type-uint8';
}

const hex = (n: number | bigint, width: number) => n.toString(16).padStart(width, '0');

function writeInts(out: string[], v: Uint8Array, start: number, len: number, width: number): void {
  const parts: string[] = [];
  for (let p = start; p + width <= start + len; p += width) {
    if (width === 1) parts.push(hex(v[p]!, 2));
    else if (width === 2) parts.push('0x' + hex((v[p]! << 8) | v[p + 1]!, 2));
    else if (width === 4) parts.push('0x' + hex(((v[p]! << 24) | (v[p + 1]! << 16) | (v[p + 2]! << 8) | v[p + 3]!) >>> 0, 2));
    else {
      let x = 0n;
      for (let k = 0; k < 8; k++) x = (x << 8n) | BigInt(v[p + k]!);
      parts.push('0x' + hex(x, 2));
    }
  }
  out.push(parts.join(' '));
}

function writeString(out: string[], v: Uint8Array, start: number, len: number): void {
  if (!len) return;
  let s = '"';
  for (let i = start; i < start + len - 1; i++) {
    const c = v[i]!;
    switch (c) {
      case 7: s += '\\a'; break;
      case 8: s += '\\b'; break;
      case 9: s += '\\t'; break;
      case 10: s += '\\n'; break;
      case 11: s += '\\v'; break;
      case 12: s += '\\f'; break;
      case 13: s += '\\r'; break;
      case 92: s += '\\\\'; break;
      case 34: s += '\\"'; break;
      case 0: s += '\\0'; break;
      default:
        // dtc passes a signed char to %02x: bytes >= 0x80 print sign-extended.
        s += isPrint(c) ? String.fromCharCode(c) : '\\x' + (c >= 0x80 ? 'ffffff' + hex(c, 2) : hex(c, 2));
    }
  }
  out.push(s + '"');
}

/** treesource.c write_propval */
export function formatValue(prop: DtProperty): string {
  const v = prop.value;
  const len = v.length;
  if (len === 0) return ';';
  const out: string[] = [' ='];
  let markers = prop.markers;
  if (!markers.some(isType)) markers = [{ kind: guessValueType(prop), offset: 0 }, ...markers];
  let emit: TypeKind | null = null;
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i]!;
    const next = markers[i + 1];
    const chunk = (next ? next.offset : len) - m.offset;
    let nextType: Marker | undefined;
    for (let k = i + 1; k < markers.length; k++) if (isType(markers[k]!)) { nextType = markers[k]; break; }
    const typeLen = nextType ? nextType.offset - m.offset : 0;
    const dataLen = typeLen || len - m.offset;
    if (isType(m)) {
      emit = m.kind as TypeKind;
      out.push(' ' + DELIM_START[emit]);
    } else if (m.kind === 'label') out.push(` ${m.ref}:`);
    else if (m.offset) out.push(' ');
    if (emit === null) continue;
    if (chunk > 0) {
      if (emit === 'type-uint16') writeInts(out, v, m.offset, chunk, 2);
      else if (emit === 'type-uint32') writeInts(out, v, m.offset, chunk, 4);
      else if (emit === 'type-uint64') writeInts(out, v, m.offset, chunk, 8);
      else if (emit === 'type-string') writeString(out, v, m.offset, chunk);
      else writeInts(out, v, m.offset, chunk, 1);
    }
    if (chunk === dataLen) {
      const pos = m.offset + chunk;
      out.push(pos === len ? DELIM_END[emit] : DELIM_END[emit] + ',');
      emit = null;
    }
  }
  out.push(';');
  return out.join('');
}

/** `dtc -O dts` */
export function printDts(tree: DtTree): string {
  const out: string[] = ['/dts-v1/;\n\n'];
  for (const r of tree.memreserve) {
    for (const l of r.labels ?? []) out.push(`${l}: `);
    out.push(`/memreserve/\t0x${hex(BigInt.asUintN(64, r.address), 16)} 0x${hex(BigInt.asUintN(64, r.size), 16)};\n`);
  }
  const stack: { node: DtNode; level: number; close: boolean }[] = [{ node: tree.root, level: 0, close: false }];
  while (stack.length) {
    const { node, level, close } = stack.pop()!;
    const indent = '\t'.repeat(level);
    if (close) {
      out.push(`${indent}};\n`);
      continue;
    }
    // dtc prints an empty line before every child node.
    out.push(level > 0 ? '\n' + indent : indent);
    if (!tree.labelsFromSymbols) for (const l of node.labels) out.push(`${l}: `);
    out.push(node.name ? `${node.name} {\n` : '/ {\n');
    for (const p of node.properties) {
      out.push('\t'.repeat(level + 1));
      for (const l of p.labels) out.push(`${l}: `);
      out.push(p.name, formatValue(p), '\n');
    }
    stack.push({ node, level, close: true });
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i]!, level: level + 1, close: false });
  }
  return out.join('');
}
