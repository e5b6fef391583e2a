// Session bundles on disk: the engine's tar layout (engine/session/bundle.ts) gzip-compressed, written
// atomically (temp file + rename), and read back with limits checked before and during decompression
// so a hostile archive (a gzip bomb, a huge entry, `../` names, links) is refused without harm.
import { FileRefused, readBoundedFile, writePrivateFileAtomic, writeUserFile, type WriteOptions } from '../files';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BUNDLE_LIMITS, buildBundle, bundleInflateLimit, readBundle, type OpenedBundle, type TarLimits } from '../../../engine/session';
import type { Diagnostic } from '../../../engine/common';

/** A session file in the sessions folder: 0600, atomic (files.ts). */
export const writeFileAtomic = writePrivateFileAtomic;

export function bundleBytes(sessionFile: Uint8Array, sessionId: string, createdAt: number): Uint8Array {
  return new Uint8Array(gzipSync(buildBundle(sessionFile, sessionId, createdAt), { level: 6 }));
}

/** A bundle where the user chose: absolute, no symlink, no overwrite unless asked, 0600. */
export async function writeBundleFile(path: string, sessionFile: Uint8Array, sessionId: string, createdAt: number, opts: WriteOptions = {}): Promise<void> {
  await writeUserFile(path, bundleBytes(sessionFile, sessionId, createdAt), opts);
}

export function openBundleBytes(bytes: Uint8Array, file: string, limits: TarLimits = BUNDLE_LIMITS): { value: OpenedBundle | null; diagnostics: Diagnostic[] } {
  let tar = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // maxOutputLength stops a gzip bomb before it is inflated.
      tar = new Uint8Array(gunzipSync(bytes, { maxOutputLength: bundleInflateLimit(limits) }));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const msg = e.code === 'ERR_BUFFER_TOO_LARGE' ? `bundle inflates past the ${limits.maxTotalBytes}-byte limit` : `bundle is not valid gzip: ${e.message}`;
      return { value: null, diagnostics: [{ severity: 'error', code: 'unsafe_archive', message: msg, file }] };
    }
  }
  return readBundle(tar, limits, file);
}

export async function readBundleFile(path: string, limits: TarLimits = BUNDLE_LIMITS): Promise<{ value: OpenedBundle | null; diagnostics: Diagnostic[] }> {
  let bytes: Uint8Array;
  try {
    bytes = await readBoundedFile(path, limits.maxTotalBytes);
  } catch (err) {
    if (!(err instanceof FileRefused)) throw err;
    return { value: null, diagnostics: [{ severity: 'error', code: 'unsafe_archive', message: err.message, file: path }] };
  }
  return openBundleBytes(bytes, path, limits);
}
