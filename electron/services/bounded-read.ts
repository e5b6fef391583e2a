// The one synchronous read of a user's file, for the services (files.ts) and the CLI (cli/io.ts) alike:
// regular files only, opened without blocking (a FIFO with no writer, a tty or /dev/zero is refused at
// once, never waited on), and a size cap checked while reading, since procfs files report size 0 and a
// file can grow after its stat. Only node:fs, so the CLI's start-up loads nothing more for it.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

// O_NONBLOCK: open() of a FIFO with no writer returns at once instead of waiting for one; the type
// check then refuses it before any read. O_NOCTTY: a tty path never becomes our terminal.
export const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** What a path that is not a regular file is, in words for an error message. */
export function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** Makes the error for a file the rules refuse; `message` says why, without the path. */
export type Refuse = (path: string, message: string) => Error;

/** Refuses (through `refuse`) what is not a regular file, or is larger than `maxBytes` as it stands. */
export function checkRegularFile(path: string, st: Stats, maxBytes: number, refuse: Refuse): void {
  if (!st.isFile()) throw refuse(path, `${kindOf(st)}; only regular files are read`);
  if (st.size > maxBytes) throw refuse(path, `${st.size} bytes, over the ${maxBytes}-byte limit`);
}

/**
 * Reads the regular file `path` whole, at most `maxBytes`, with its modification time from the same
 * open (a DTS's __TIMESTAMP__). Refusals (type, size) come from `refuse`; OS errors are thrown as they are.
 */
export function readRegularFileSync(path: string, maxBytes: number, refuse: Refuse): { bytes: Uint8Array; mtime: Date } {
  const fd = openSync(path, READ_FLAGS);
  try {
    const st = fstatSync(fd);
    checkRegularFile(path, st, maxBytes, refuse);
    // One buffer of the size the file said it had, plus a byte that shows whether it grew: a source of a
    // few KiB costs one small allocation and no copy. A file that reports 0 or grows gets a buffer twice
    // as large each time it fills, up to one byte past the cap.
    let buf = new Uint8Array(Math.min(maxBytes, st.size > 0 ? st.size : 64 * 1024) + 1);
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        if (total > maxBytes) throw refuse(path, `grew past the ${maxBytes}-byte limit while being read`);
        const bigger = new Uint8Array(Math.min(maxBytes + 1, buf.length * 2));
        bigger.set(buf);
        buf = bigger;
      }
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
    }
    if (total > maxBytes) throw refuse(path, `grew past the ${maxBytes}-byte limit while being read`);
    return { bytes: total === buf.length ? buf : buf.subarray(0, total), mtime: st.mtime };
  } finally {
    closeSync(fd);
  }
}
