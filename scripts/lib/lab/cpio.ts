// A minimal writer for the "newc" cpio archives the kernel unpacks as its initramfs
// (format: usr/gen_init_cpio.c, init/initramfs.c). Written here rather than calling cpio(1) so the
// archive is byte-for-byte deterministic and can hold /dev/console without root.
import { gzipSync } from 'node:zlib';

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function pad4(len: number): number {
  return (4 - (len % 4)) % 4;
}

/** Serialises entries (parents must come before children) followed by the TRAILER!!! record. */
export function writeNewc(entries: readonly CpioEntry[]): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  let ino = 1;
  const push = (b: Buffer): void => {
    chunks.push(b);
    offset += b.length;
  };
  const record = (name: string, mode: number, data: Uint8Array, rdevMajor = 0, rdevMinor = 0, nlink = 1): void => {
    const nameBytes = Buffer.from(name + '\0', 'utf8');
    const header =
      '070701' +
      hex8(ino++) + hex8(mode) + hex8(0) + hex8(0) + hex8(nlink) + hex8(0) + hex8(data.length) +
      hex8(0) + hex8(0) + hex8(rdevMajor) + hex8(rdevMinor) + hex8(nameBytes.length) + hex8(0);
    push(Buffer.from(header, 'ascii'));
    push(nameBytes);
    push(Buffer.alloc(pad4(offset)));
    push(Buffer.from(data));
    push(Buffer.alloc(pad4(offset)));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    switch (e.kind) {
      case 'dir':
        record(name, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), 0, 0, 2);
        break;
      case 'file':
        record(name, S_IFREG | (e.mode ?? 0o644), e.data);
        break;
      case 'symlink':
        record(name, S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'));
        break;
      case 'chardev':
        record(name, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), e.major, e.minor);
        break;
    }
  }
  record('TRAILER!!!', 0, new Uint8Array(0));
  return Buffer.concat(chunks);
}

export function writeNewcGz(entries: readonly CpioEntry[]): Buffer {
  return gzipSync(writeNewc(entries), { level: 6 });
}
