// The CLI's side effects in one place, so commands stay testable in-process: output streams and
// file access. Commands return an exit code; only cli/start.ts sets process.exitCode. Files are read
// as the app reads them (electron/services/bounded-read.ts): regular files only, opened without
// blocking (a FIFO or /dev/zero is refused at once), and a size cap checked while reading.
import { readSync, writeFileSync, writeSync } from 'node:fs';
import { readRegularFileSync } from '../electron/services/bounded-read';

export interface CliIo {
  stdout: (text: string) => void;
  /** Binary output (a DTB) to standard output. */
  stdoutBytes: (data: Uint8Array) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Uint8Array;
  /** Standard input, whole, at most `maxBytes` (`-` as a file name); throws past it. */
  readStdin: (maxBytes: number) => Uint8Array;
  /** A device-tree source with its modification time (what cpp's __TIMESTAMP__ shows). */
  readSourceFile: (path: string) => { bytes: Uint8Array; mtime: Date };
  writeFile: (path: string, data: Uint8Array | string) => void;
  cwd: string;
}

const MiB = 1024 * 1024;
/** Device-tree sources and headers; kernel sources stay far below (the largest arm64 .dtsi is ~300 KiB). */
export const DTS_SOURCE_LIMIT = 4 * MiB;
/** Anything else the CLI reads: boot logs, sessions, bundles, blobs. */
export const FILE_LIMIT = 256 * MiB;

/** The cap for a path: device-tree sources by their extension, everything else the general one. */
export function readLimitFor(path: string): number {
  return /\.(dts|dtsi|h)$/.test(path) ? DTS_SOURCE_LIMIT : FILE_LIMIT;
}

/** Reads a regular file of at most `maxBytes`; anything else throws an error naming the file. */
export function readBoundedFile(path: string, maxBytes = readLimitFor(path)): Uint8Array {
  return readBoundedSourceFile(path, maxBytes).bytes;
}

/** The same, with the file's modification time from the same open. */
export function readBoundedSourceFile(path: string, maxBytes = readLimitFor(path)): { bytes: Uint8Array; mtime: Date } {
  return readRegularFileSync(path, maxBytes, (p, message) => new Error(`${p}: ${message}`));
}

/** Blocks this thread for `ms` milliseconds: a retry on a non-blocking descriptor without spinning. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Reads file descriptor `fd` (standard input) to its end, at most `maxBytes`: a pipe from `cat
 * /dev/zero` ends with an error at the byte past the limit instead of taking all memory.
 */
export function readBoundedStdin(maxBytes: number, fd = 0): Uint8Array {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(MiB, maxBytes + 1 - total));
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      // A non-blocking stdin with nothing yet: wait a little, without spinning.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      sleepSync(10);
      continue;
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw new Error(`-: standard input passed the ${maxBytes}-byte limit at byte ${maxBytes + 1}; stopped reading`);
    chunks.push(buf.subarray(0, n));
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/** Standard output or error whose reader went away (EPIPE): what is written to it from then on is dropped. */
const closedFds = new Set<number>();

/**
 * Writes all of `data` to file descriptor `fd` (1 or 2) before returning. Not process.stdout: that
 * stream loads node:stream, and net or tty, with a score of internal modules (~5 ms of every start that
 * prints, and more once the launcher's V8 flags have made Node compile them without their built-in code
 * cache); and a synchronous write is what a CLI needs, all of its output written when it exits.
 * EAGAIN (a pipe or terminal that another process made non-blocking, full for now) waits and retries;
 * EPIPE (the reader is gone, as with `| head`) ends the output quietly, as SIGPIPE would end a C tool.
 */
export function writeAllSync(fd: number, data: string | Uint8Array): void {
  if (closedFds.has(fd)) return;
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        closedFds.add(fd);
        return;
      }
      if (code !== 'EAGAIN') throw err;
      sleepSync(5);
    }
  }
}

export function processIo(): CliIo {
  return {
    stdout: (t) => writeAllSync(1, t),
    stdoutBytes: (d) => writeAllSync(1, d),
    stderr: (t) => writeAllSync(2, t),
    readFile: (p) => readBoundedFile(p),
    readStdin: (max) => readBoundedStdin(max),
    readSourceFile: (p) => readBoundedSourceFile(p),
    writeFile: (p, d) => writeFileSync(p, d),
    cwd: process.cwd(),
  };
}

/** Exit codes shared by every subcommand. */
export const EXIT_OK = 0;
export const EXIT_INPUT_ERROR = 1; // errors in the input, or (compare) mismatches
export const EXIT_USAGE = 2;
/** compare over a live console: --until never matched within --timeout. */
export const EXIT_TIMEOUT = 3;
/** A live capture stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;
