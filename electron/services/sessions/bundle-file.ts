// Session bundles on disk: the engine's gzip-compressed tar (engine/session/bundle.ts), written
// atomically (temp file + rename), and read back through the engine with limits checked before and
// during decompression so a hostile archive (a gzip bomb, a huge entry, `../` names, links) is refused.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { BUNDLE_LIMITS, gzipBundle, openBundle, type OpenedBundle, type TarLimits } from '../../../engine/session';
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
  await writeFileAtomic(path, gzipBundle(sessionFile, sessionId, createdAt));
}

export function openBundleBytes(bytes: Uint8Array, file: string, limits: TarLimits = BUNDLE_LIMITS): { value: OpenedBundle | null; diagnostics: Diagnostic[] } {
  return openBundle(bytes, limits, file);
}

export async function readBundleFile(path: string, limits: TarLimits = BUNDLE_LIMITS): Promise<{ value: OpenedBundle | null; diagnostics: Diagnostic[] }> {
  const st = await stat(path);
  if (!st.isFile()) return { value: null, diagnostics: [{ severity: 'error', code: 'unsafe_archive', message: `${path} is not a regular file`, file: path }] };
  if (st.size > limits.maxTotalBytes) return { value: null, diagnostics: [{ severity: 'error', code: 'unsafe_archive', message: `bundle of ${st.size} bytes is over the ${limits.maxTotalBytes}-byte limit`, file: path }] };
  return openBundleBytes(new Uint8Array(await readFile(path)), path, limits);
}
