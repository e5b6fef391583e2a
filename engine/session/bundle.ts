// The session bundle: one archive that reopens exactly as the session was. It holds the session file
// byte for byte (torn tail already cut) and a manifest naming each entry with its SHA-256; the reader
// verifies every hash. Gzip comes from fflate (pure JavaScript), so the engine writes and opens a
// bundle anywhere: Node, the renderer's worker, the CLI.
import { gzipSync, Gunzip } from 'fflate';
import type { Diagnostic } from '../common';
import { utf8Decode, utf8Encode } from './bytes';
import { sha256Hex } from './checksums';
import { decodeSession } from './decoder';
import { SESSION_FORMAT_VERSION } from './format';
import { DEFAULT_TAR_LIMITS, readTar, writeTar, type TarEntry, type TarLimits } from './tar';

export const BUNDLE_FORMAT = 'bringup-session-bundle';
export const BUNDLE_VERSION = 1;
export const BUNDLE_SESSION_ENTRY = 'session.bwsession';
export const BUNDLE_MANIFEST_ENTRY = 'manifest.json';
export const BUNDLE_FILE_EXTENSION = '.bwbundle';

/** What a bundle may hold when opened from disk (the recorder's and the CLI's one bound). */
export const BUNDLE_LIMITS: TarLimits = { maxEntries: 64, maxEntryBytes: 1024 ** 3, maxTotalBytes: 1024 ** 3 };

/** The most bytes a gzip-compressed bundle may inflate to under `limits` (tar headers and padding included). */
export function bundleInflateLimit(limits: TarLimits = BUNDLE_LIMITS): number {
  return limits.maxTotalBytes + 64 * 1024 * limits.maxEntries;
}

/** A bundle file's first 512 bytes: gzip magic, or a ustar header. */
export function isBundleBytes(head: Uint8Array): boolean {
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const tar = head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar';
  return gz || tar;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: number;
  sessionId: string;
  createdAt: number;
  sessionFormatVersion: number;
  entries: { path: string; sha256: string; size: number }[];
}

/**
 * Manifest migrations, as for the session file: BUNDLE_MIGRATIONS[n] turns a version-n manifest into
 * version n+1. Version 1 is the first, so the table is empty.
 */
export const BUNDLE_MIGRATIONS: Readonly<Record<number, (m: Record<string, unknown>) => Record<string, unknown>>> = {};

export function buildBundle(sessionFile: Uint8Array, sessionId: string, createdAt: number, extra: readonly TarEntry[] = []): Uint8Array {
  const files: TarEntry[] = [{ name: BUNDLE_SESSION_ENTRY, bytes: sessionFile, mtime: createdAt / 1000 }, ...extra];
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    sessionId,
    createdAt,
    sessionFormatVersion: SESSION_FORMAT_VERSION,
    entries: files.map((f) => ({ path: f.name, sha256: sha256Hex(f.bytes), size: f.bytes.length })),
  };
  const m = utf8Encode(JSON.stringify(manifest, null, 2) + '\n');
  return writeTar([{ name: BUNDLE_MANIFEST_ENTRY, bytes: m, mtime: createdAt / 1000 }, ...files]);
}

export interface OpenedBundle {
  manifest: BundleManifest;
  sessionFile: Uint8Array;
  extra: TarEntry[];
}

export function readBundle(tar: Uint8Array, limits: TarLimits = DEFAULT_TAR_LIMITS, file = 'bundle'): { value: OpenedBundle | null; diagnostics: Diagnostic[] } {
  const err = (message: string): { value: null; diagnostics: Diagnostic[] } => ({ value: null, diagnostics: [{ severity: 'error', code: 'bad_bundle', message, file }] });
  const t = readTar(tar, limits, file);
  if (t.diagnostics.some((d) => d.severity === 'error')) return { value: null, diagnostics: t.diagnostics };
  const byName = new Map(t.entries.map((e) => [e.name, e]));
  const m = byName.get(BUNDLE_MANIFEST_ENTRY);
  if (!m) return err(`no ${BUNDLE_MANIFEST_ENTRY} in the bundle`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(utf8Decode(m.bytes)) as Record<string, unknown>;
  } catch (e) {
    return err(`${BUNDLE_MANIFEST_ENTRY} is not JSON: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || raw.format !== BUNDLE_FORMAT) return err('not a Bring-up Workbench session bundle');
  let version = typeof raw.version === 'number' ? raw.version : 0;
  if (version > BUNDLE_VERSION) return err(`bundle version ${version} was written by a newer Bring-up Workbench (this one reads 1..${BUNDLE_VERSION})`);
  for (; version < BUNDLE_VERSION; version++) {
    const mig = BUNDLE_MIGRATIONS[version];
    if (!mig) return err(`bundle version ${version} is not a known version`);
    raw = mig(raw);
  }
  const manifest = raw as unknown as BundleManifest;
  if (!Array.isArray(manifest.entries)) return err('bundle manifest lists no entries');
  for (const entry of manifest.entries) {
    const e = byName.get(entry.path);
    if (!e) return err(`bundle entry ${JSON.stringify(entry.path)} is listed but missing`);
    if (e.bytes.length !== entry.size || sha256Hex(e.bytes) !== entry.sha256) return err(`bundle entry ${JSON.stringify(entry.path)} does not match its manifest hash`);
  }
  const listed = new Set(manifest.entries.map((e) => e.path));
  for (const e of t.entries) if (e.name !== BUNDLE_MANIFEST_ENTRY && !listed.has(e.name)) return err(`bundle entry ${JSON.stringify(e.name)} is not in the manifest`);
  const s = byName.get(BUNDLE_SESSION_ENTRY);
  if (!s) return err(`no ${BUNDLE_SESSION_ENTRY} in the bundle`);
  const check = decodeSession(s.bytes, `${file}:${BUNDLE_SESSION_ENTRY}`);
  if (check.summary.fatal) return { value: null, diagnostics: check.summary.diagnostics };
  const extra = t.entries.filter((e) => e.name !== BUNDLE_MANIFEST_ENTRY && e.name !== BUNDLE_SESSION_ENTRY);
  return { value: { manifest, sessionFile: s.bytes, extra }, diagnostics: check.summary.diagnostics };
}

/** The bundle as its file holds it: the tar, gzip-compressed (no name, mtime 0: the same session gives the same bytes). */
export function gzipBundle(sessionFile: Uint8Array, sessionId: string, createdAt: number, extra: readonly TarEntry[] = []): Uint8Array {
  return gzipSync(buildBundle(sessionFile, sessionId, createdAt, extra), { level: 6, mtime: 0 });
}

/**
 * Inflates at most `limit` bytes of gzip. The input goes in small slices so a bomb (deflate reaches
 * ~1000:1) overshoots the limit by at most a few megabytes before it is refused.
 */
export function gunzipBounded(bytes: Uint8Array, limit: number): { value: Uint8Array } | { error: string } {
  const parts: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const g = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > limit) over = true;
    else parts.push(chunk);
  });
  try {
    const SLICE = 4096;
    for (let i = 0; i < bytes.length && !over; i += SLICE) g.push(bytes.subarray(i, i + SLICE), i + SLICE >= bytes.length);
  } catch (e) {
    return { error: `not valid gzip: ${(e as Error).message}` };
  }
  if (over) return { error: `inflates past the ${limit}-byte limit` };
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { value: out };
}

/** Opens a bundle file's bytes, gzip-compressed or a plain tar, with every limit checked. */
export function openBundle(bytes: Uint8Array, limits: TarLimits = BUNDLE_LIMITS, file = 'bundle'): { value: OpenedBundle | null; diagnostics: Diagnostic[] } {
  let tar = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const r = gunzipBounded(bytes, bundleInflateLimit(limits));
    if ('error' in r) return { value: null, diagnostics: [{ severity: 'error', code: 'unsafe_archive', message: `bundle ${r.error}`, file }] };
    tar = r.value;
  }
  return readBundle(tar, limits, file);
}
