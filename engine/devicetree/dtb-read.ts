// Reads a flattened device tree blob (a board's .dtb, a .dtbo, or a live /sys/firmware/fdt) into the
// tree model. Models dtc's flattree.c dt_from_blob() and libfdt's header checks; every problem is
// reported with the byte offset it was found at, and a damaged blob yields what could be read.
import type { Diagnostic, Result } from '../common';
import { createNode, createTree, readU32, type DtNode, type DtTree, type Marker } from './tree';

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_BEGIN_NODE = 1;
export const FDT_END_NODE = 2;
export const FDT_PROP = 3;
export const FDT_NOP = 4;
export const FDT_END = 9;

export function looksLikeDtb(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && readU32(bytes, 0) === FDT_MAGIC;
}

const MAX_DEPTH = 100_000;

export function readDtb(bytes: Uint8Array, file = '<dtb>'): Result<DtTree> {
  const diagnostics: Diagnostic[] = [];
  const tree = createTree();
  tree.source = file;
  const fail = (byteOffset: number, message: string): Result<DtTree> => {
    diagnostics.push({ severity: 'error', code: 'dtb', message, file, byteOffset });
    return { value: tree, diagnostics };
  };
  if (bytes.length < 40) return fail(0, `file too short for an FDT header (${bytes.length} bytes, need 40)`);
  const magic = readU32(bytes, 0);
  if (magic !== FDT_MAGIC) return fail(0, `bad magic 0x${magic.toString(16).padStart(8, '0')} (expected 0xd00dfeed)`);
  const totalSize = readU32(bytes, 4);
  const offStruct = readU32(bytes, 8);
  const offStrings = readU32(bytes, 12);
  const offMemRsv = readU32(bytes, 16);
  const version = readU32(bytes, 20);
  const lastCompVersion = readU32(bytes, 24);
  tree.bootCpuid = readU32(bytes, 28);
  const sizeStrings = version >= 3 ? readU32(bytes, 32) : bytes.length - offStrings;
  const sizeStruct = version >= 17 ? readU32(bytes, 36) : bytes.length - offStruct;
  if (version < 16 || lastCompVersion > 17) return fail(20, `unsupported FDT version ${version} (last compatible ${lastCompVersion})`);
  if (totalSize > bytes.length) return fail(4, `totalsize ${totalSize} is larger than the file (${bytes.length} bytes)`);
  for (const [name, off, size, at] of [
    ['struct block', offStruct, sizeStruct, 8],
    ['strings block', offStrings, sizeStrings, 12],
  ] as const) {
    if (off > totalSize || off + size > totalSize) return fail(at, `${name} (offset ${off}, size ${size}) lies outside totalsize ${totalSize}`);
  }
  if (offMemRsv + 16 > totalSize) return fail(16, `memory reservation block offset ${offMemRsv} lies outside totalsize ${totalSize}`);

  // Memory reservation map: (address, size) pairs of u64 ended by a (0, 0) entry.
  for (let p = offMemRsv; ; p += 16) {
    if (p + 16 > totalSize) return fail(p, 'memory reservation map is not terminated');
    const address = (BigInt(readU32(bytes, p)) << 32n) | BigInt(readU32(bytes, p + 4));
    const size = (BigInt(readU32(bytes, p + 8)) << 32n) | BigInt(readU32(bytes, p + 12));
    if (address === 0n && size === 0n) break;
    tree.memreserve.push({ address, size });
  }

  const stringAt = (nameOff: number, at: number): string | undefined => {
    if (nameOff >= sizeStrings) {
      diagnostics.push({ severity: 'error', code: 'dtb', message: `property name offset ${nameOff} lies outside the strings block`, file, byteOffset: at });
      return undefined;
    }
    let end = offStrings + nameOff;
    const limit = offStrings + sizeStrings;
    while (end < limit && bytes[end] !== 0) end++;
    if (end >= limit) {
      diagnostics.push({ severity: 'error', code: 'dtb', message: 'property name is not NUL-terminated inside the strings block', file, byteOffset: at });
      return undefined;
    }
    return latin1(bytes, offStrings + nameOff, end);
  };

  const end = offStruct + sizeStruct;
  let p = offStruct;
  let current: DtNode | null = null;
  let depth = 0;
  let sawRoot = false;
  while (p + 4 <= end) {
    const tokenAt = p;
    const token = readU32(bytes, p);
    p += 4;
    if (token === FDT_BEGIN_NODE) {
      let q = p;
      while (q < end && bytes[q] !== 0) q++;
      if (q >= end) return fail(tokenAt, 'node name runs past the end of the struct block');
      const name = latin1(bytes, p, q);
      p = align4(q + 1);
      if (!current) {
        if (sawRoot) return fail(tokenAt, 'a second root node follows the first');
        if (name !== '') diagnostics.push({ severity: 'warning', code: 'dtb', message: `root node has name "${name}"`, file, byteOffset: tokenAt });
        current = tree.root;
        sawRoot = true;
      } else {
        if (++depth > MAX_DEPTH) return fail(tokenAt, `nodes nested deeper than ${MAX_DEPTH}`);
        const child = createNode(name, current);
        current.children.push(child);
        current = child;
      }
    } else if (token === FDT_END_NODE) {
      if (!current) return fail(tokenAt, 'FDT_END_NODE outside any node');
      current = current.parent;
      if (current) depth--;
    } else if (token === FDT_PROP) {
      if (p + 8 > end) return fail(tokenAt, 'property header runs past the end of the struct block');
      const len = readU32(bytes, p);
      const nameOff = readU32(bytes, p + 4);
      p += 8;
      if (p + len > end) return fail(tokenAt, `property value (${len} bytes) runs past the end of the struct block`);
      if (!current) return fail(tokenAt, 'property outside any node');
      const name = stringAt(nameOff, tokenAt + 8);
      const value = bytes.slice(p, p + len);
      p = align4(p + len);
      if (name === undefined) continue;
      const markers: Marker[] = [];
      current.properties.push({ name, value, labels: [], markers });
    } else if (token === FDT_NOP) {
      continue;
    } else if (token === FDT_END) {
      if (current) return fail(tokenAt, 'FDT_END before all nodes were closed');
      break;
    } else {
      return fail(tokenAt, `unknown struct token 0x${token.toString(16)}`);
    }
  }
  if (!sawRoot) return fail(offStruct, 'struct block holds no root node');
  tree.stringTable = stringsBlockNames(bytes, offStrings, sizeStrings);
  tree.sourceBlob = bytes.slice(0, totalSize);
  if (current) return fail(end, 'struct block ends before all nodes were closed');
  restoreLabels(tree);
  return { value: tree, diagnostics };
}

/** The NUL-terminated names of the strings block, in order (a trailing unterminated piece is dropped). */
function stringsBlockNames(bytes: Uint8Array, off: number, size: number): string[] {
  const names: string[] = [];
  let start = off;
  for (let i = off; i < off + size; i++) {
    if (bytes[i] === 0) {
      names.push(latin1(bytes, start, i));
      start = i + 1;
    }
  }
  return names;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/** A blob built with `-@` carries `/__symbols__`: give those labels back to their nodes (as `dtc -I dtb` does not, but tools want them). */
function restoreLabels(tree: DtTree): void {
  const symbols = tree.root.children.find((c) => c.name === '__symbols__');
  if (!symbols) return;
  for (const prop of symbols.properties) {
    const path = latin1(prop.value, 0, prop.value.indexOf(0) < 0 ? prop.value.length : prop.value.indexOf(0));
    let node: DtNode | undefined = tree.root;
    for (const part of path.split('/')) {
      if (!part || !node) continue;
      node = node.children.find((c: DtNode) => c.name === part);
    }
    if (node && node !== tree.root && !node.labels.includes(prop.name)) {
      node.labels.push(prop.name);
      tree.labelsFromSymbols = true;
    }
  }
}
