// Session bundles on disk: the engine's tar layout (engine/session/bundle.ts) gzip-compressed, written
// atomically (temp file + rename), and read back with limits checked before and during decompression
// so a hostile archive (a gzip bomb, a huge entry, `../` names, links) is refused without harm.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BUNDLE_LIMITS, buildBundle, bundleInflateLimit, readBundle, type OpenedBundle, type TarLimits } from '../../../engine/session';
import type { Diagnostic } from '../../../engine/common';

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

export async function writeBundleFile(path: string, sessionFile: Uint8Array, sessionId: string, createdAt: number): Promise<void> {
  await writeFileAtomic(path, gzipSync(buildBundle(sessionFile, sessionId, createdAt), { level: 6 }));
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
  const st = await stat(path);
  if (!st.isFile()) return { value: null, diagnostics: [{ severity: 'error', code: 'unsafe_archive', message: `${path} is not a regular file`, file: path }] };
  if (st.size > limits.maxTotalBytes) return { value: null, diagnostics: [{ severity: 'error', code: 'unsafe_archive', message: `bundle of ${st.size} bytes is over the ${limits.maxTotalBytes}-byte limit`, file: path }] };
  return openBundleBytes(new Uint8Array(await readFile(path)), path, limits);
}
