// Every file the services read or write for the user goes through here. Reads: regular
// files only, opened O_NONBLOCK so a FIFO or a tty cannot hang us, read once with a size cap that is
// checked while reading (procfs files such as /proc/config.gz report size 0). Writes: absolute paths,
// never through a symlink, never over an existing file unless the caller says the user agreed, 0600.
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkRegularFile, kindOf, READ_FLAGS, readRegularFileSync, type Refuse } from './bounded-read';

const MiB = 1024 * 1024;

/** Size caps by what a file is for. */
export const READ_LIMITS = {
  /** A .dts, .dtsi or header, each one; kernel sources stay far below (the largest arm64 .dtsi is ~300 KiB). */
  dtsSource: 4 * MiB,
  /** A .dtb or an /incbin/ blob. */
  binary: 16 * MiB,
  /** A kernel .config, after gunzip (Debian's full config is ~300 KiB). */
  kernelConfig: 8 * MiB,
  /** A boot log, session file or bundle to import. */
  import: 256 * MiB,
} as const;

/** A read or write the rules refused: the message names the file and why. */
export class FileRefused extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

const refused: Refuse = (path, message) => new FileRefused(path, message);

/** Reads a whole regular file, at most `maxBytes`; throws FileRefused (type, size) or the OS error. */
export function readBoundedFileSync(path: string, maxBytes: number): Uint8Array {
  return readRegularFileSync(path, maxBytes, refused).bytes;
}

/** The same, with the file's modification time from the same open (a DTS's __TIMESTAMP__). */
export function readBoundedSourceFileSync(path: string, maxBytes: number): { bytes: Uint8Array; mtime: Date } {
  return readRegularFileSync(path, maxBytes, refused);
}

/** The same, without blocking the event loop: for imports, which may be large. */
export async function readBoundedFile(path: string, maxBytes: number): Promise<Uint8Array> {
  return (await readBoundedFileStat(path, maxBytes)).bytes;
}

/** readBoundedFile with the stat of the very file that was read (its mtime), not of whatever is at `path` now. */
export async function readBoundedFileStat(path: string, maxBytes: number): Promise<{ bytes: Uint8Array; stat: Stats }> {
  const fh = await open(path, READ_FLAGS);
  try {
    const stat = await fh.stat();
    checkRegularFile(path, stat, maxBytes, refused);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(4 * MiB, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new FileRefused(path, `grew past the ${maxBytes}-byte limit while being read`);
      chunks.push(buf.subarray(0, bytesRead));
    }
    return { bytes: new Uint8Array(Buffer.concat(chunks, total)), stat };
  } finally {
    await fh.close();
  }
}

/** A kernel config, plain or gzipped (/proc/config.gz), capped after decompression. */
export function readKernelConfigSync(path: string): string {
  const raw = readBoundedFileSync(path, READ_LIMITS.kernelConfig);
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return Buffer.from(raw).toString('utf8');
  try {
    return gunzipSync(raw, { maxOutputLength: READ_LIMITS.kernelConfig }).toString('utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new FileRefused(path, `inflates past the ${READ_LIMITS.kernelConfig}-byte limit`);
    throw new FileRefused(path, `not valid gzip: ${e.message}`);
  }
}

export interface WriteOptions {
  /** The user was asked and agreed (a save dialog's overwrite confirmation). */
  overwrite?: boolean;
}

/**
 * Writes `data` to `path` as a new 0600 file (temp file in the same folder, then rename, so a reader
 * never sees half a file). Refuses relative paths, symlinks and (unless `overwrite`) existing files.
 */
export async function writeUserFile(path: string, data: Uint8Array | string, opts: WriteOptions = {}): Promise<void> {
  if (!isAbsolute(path)) throw new FileRefused(path, 'not an absolute path; files are written only where the user chose');
  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (st?.isSymbolicLink()) throw new FileRefused(path, 'is a symbolic link; refusing to write through it');
  if (st && !st.isFile()) throw new FileRefused(path, `${kindOf(st)}; refusing to replace it`);
  if (st && !opts.overwrite) throw new FileRefused(path, 'exists; not overwritten without asking');
  await writePrivateFileAtomic(path, data);
}

/** Temp file (O_EXCL, 0600) + rename: the services' own files (sessions folder) and user exports. */
export async function writePrivateFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

/** A folder only its owner can enter (the sessions folder), tightened if it already existed. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}
