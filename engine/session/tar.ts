// A minimal POSIX ustar codec (the layout `tar --format=ustar` writes, POSIX.1-1988 / pax spec) for
// session bundles, and a reader that treats every archive as hostile: regular files and folders only,
// no links, devices or pax extensions, relative names without `..`, size limits checked before any copy.
import type { Diagnostic } from '../common';
import { utf8Decode, utf8Encode } from './bytes';

export interface TarEntry {
  name: string;
  bytes: Uint8Array;
  /** Seconds since epoch. */
  mtime?: number;
}

const BLOCK = 512;

function writeString(h: Uint8Array, off: number, len: number, text: string): void {
  const b = utf8Encode(text);
  if (b.length > len) throw new RangeError(`tar field too long: ${text}`);
  h.set(b, off);
}

function writeOctal(h: Uint8Array, off: number, len: number, value: number): void {
  writeString(h, off, len, value.toString(8).padStart(len - 1, '0'));
}

/** Builds an archive of regular files. Names must be relative and at most 100 bytes (programmer error otherwise). */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  let size = BLOCK * 2;
  for (const e of entries) size += BLOCK + Math.ceil(e.bytes.length / BLOCK) * BLOCK;
  const out = new Uint8Array(size);
  let o = 0;
  for (const e of entries) {
    if (checkName(e.name)) throw new RangeError(`bad tar entry name ${JSON.stringify(e.name)}`);
    const h = out.subarray(o, o + BLOCK);
    writeString(h, 0, 100, e.name);
    writeOctal(h, 100, 8, 0o644);
    writeOctal(h, 108, 8, 0);
    writeOctal(h, 116, 8, 0);
    writeOctal(h, 124, 12, e.bytes.length);
    writeOctal(h, 136, 12, Math.floor(e.mtime ?? 0));
    h.fill(0x20, 148, 156);
    h[156] = 0x30; // '0': regular file
    writeString(h, 257, 6, 'ustar');
    writeString(h, 263, 2, '00');
    writeString(h, 265, 32, 'bringup');
    writeString(h, 297, 32, 'bringup');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += h[i]!;
    writeString(h, 148, 7, sum.toString(8).padStart(6, '0') + '\0');
    o += BLOCK;
    out.set(e.bytes, o);
    o += Math.ceil(e.bytes.length / BLOCK) * BLOCK;
  }
  return out;
}

/** Why a name may not be extracted, or null when it is a safe relative path. */
export function checkName(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name.includes('\0')) return 'NUL in name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  const parts = name.replace(/\/+$/, '').split('/');
  if (parts.some((p) => p === '..')) return 'path traversal (..)';
  if (parts.some((p) => p === '' || p === '.')) return 'empty or "." path segment';
  if (utf8Encode(name).length > 255) return 'name too long';
  return null;
}

export interface TarLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxEntries: 64, maxEntryBytes: 2 * 1024 ** 3 - 1, maxTotalBytes: 2 * 1024 ** 3 - 1 };

function readField(h: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && h[end] !== 0) end++;
  return utf8Decode(h, off, end);
}

function readOctal(h: Uint8Array, off: number, len: number): number {
  if ((h[off]! & 0x80) !== 0) return Number.NaN; // GNU base-256 size: refused, we never write it
  const s = readField(h, off, len).trim();
  if (!/^[0-7]*$/.test(s)) return Number.NaN;
  return s === '' ? 0 : parseInt(s, 8);
}

/**
 * Reads an archive's regular files. Any entry that is not a plain file or folder with a safe relative
 * name, or that breaks a limit, rejects the whole archive: a bundle is ours or it is refused.
 */
export function readTar(bytes: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS, file = 'archive'): { entries: TarEntry[]; diagnostics: Diagnostic[] } {
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  const fail = (message: string, at: number) => ({ entries: [], diagnostics: [{ severity: 'error' as const, code: 'unsafe_archive', message, file, byteOffset: at }] });
  let o = 0;
  while (o + BLOCK <= bytes.length) {
    const h = bytes.subarray(o, o + BLOCK);
    if (h.every((b) => b === 0)) return { entries, diagnostics: [] };
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    const stored = readOctal(h, 148, 8);
    if (stored !== sum) return fail('not a tar archive (header checksum mismatch)', o);
    const prefix = readField(h, 257, 6) === 'ustar' ? readField(h, 345, 155) : '';
    const base = readField(h, 0, 100);
    const name = prefix ? `${prefix}/${base}` : base;
    const type = String.fromCharCode(h[156]!);
    const size = readOctal(h, 124, 12);
    if (!Number.isFinite(size)) return fail(`entry ${JSON.stringify(name)} has an unreadable size`, o);
    const why = checkName(name);
    if (why) return fail(`entry ${JSON.stringify(name)} rejected: ${why}`, o);
    if (type === '1' || type === '2') return fail(`entry ${JSON.stringify(name)} rejected: ${type === '2' ? 'symbolic' : 'hard'} link`, o);
    if (type !== '0' && type !== '\0' && type !== '5') return fail(`entry ${JSON.stringify(name)} rejected: type '${type}' is not a regular file or folder`, o);
    if (size > limits.maxEntryBytes) return fail(`entry ${JSON.stringify(name)} rejected: ${size} bytes is over the ${limits.maxEntryBytes}-byte limit`, o);
    total += size;
    if (total > limits.maxTotalBytes) return fail(`archive rejected: more than ${limits.maxTotalBytes} bytes in total`, o);
    const dataAt = o + BLOCK;
    if (dataAt + size > bytes.length) return fail(`entry ${JSON.stringify(name)} is truncated`, o);
    o = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    if (type === '5') continue;
    const key = name.replace(/\/+$/, '');
    if (seen.has(key)) return fail(`entry ${JSON.stringify(name)} appears twice`, dataAt - BLOCK);
    seen.add(key);
    if (entries.length >= limits.maxEntries) return fail(`archive rejected: more than ${limits.maxEntries} entries`, dataAt - BLOCK);
    entries.push({ name: key, bytes: bytes.slice(dataAt, dataAt + size), mtime: readOctal(h, 136, 12) });
  }
  return { entries, diagnostics: o === 0 ? [{ severity: 'error', code: 'unsafe_archive', message: 'empty archive', file, byteOffset: 0 }] : [] };
}
