// Session bundles on disk: the engine's gzip-compressed tar (engine/session/bundle.ts), written where
// the user chose (files.ts: absolute, no symlink, no overwrite unless asked, 0600), and read back
// bounded through the engine with limits checked before and during decompression, so a hostile archive
// (a gzip bomb, a huge entry, `../` names, links) is refused without harm.
import { FileRefused, readBoundedFile, writePrivateFileAtomic, writeUserFile, type WriteOptions } from '../files';
import { BUNDLE_LIMITS, gzipBundle, openBundle, type OpenedBundle, type TarLimits } from '../../../engine/session';
import type { Diagnostic } from '../../../engine/common';

/** A session file in the sessions folder: 0600, atomic (files.ts). */
export const writeFileAtomic = writePrivateFileAtomic;

export function bundleBytes(sessionFile: Uint8Array, sessionId: string, createdAt: number): Uint8Array {
  return gzipBundle(sessionFile, sessionId, createdAt);
}

/** A bundle where the user chose: absolute, no symlink, no overwrite unless asked, 0600. */
export async function writeBundleFile(path: string, sessionFile: Uint8Array, sessionId: string, createdAt: number, opts: WriteOptions = {}): Promise<void> {
  await writeUserFile(path, bundleBytes(sessionFile, sessionId, createdAt), opts);
}

export function openBundleBytes(bytes: Uint8Array, file: string, limits: TarLimits = BUNDLE_LIMITS): { value: OpenedBundle | null; diagnostics: Diagnostic[] } {
  return openBundle(bytes, limits, file);
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
