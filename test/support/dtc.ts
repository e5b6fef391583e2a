// Helpers for the device-tree compiler tests: the real dtc (the reference), fixtures, and a Node file reader.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dts');
export const dtbFixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dtb');

export function readFileOrUndefined(path: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** Runs the real dtc; returns stdout bytes, stderr text and exit status. */
export function dtc(args: string[], input?: Uint8Array | string): { out: Buffer; err: string; status: number } {
  const r = spawnSync('dtc', args, { input, maxBuffer: 1 << 28 });
  return { out: r.stdout, err: r.stderr.toString(), status: r.status ?? -1 };
}

/** `cpp` the way Kbuild runs it for a DTS. */
export function kbuildCpp(file: string, includeDirs: string[]): string {
  return execFileSync('cpp', ['-nostdinc', ...includeDirs.flatMap((d) => ['-I', d]), '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', file], { maxBuffer: 1 << 28 }).toString('utf8');
}
