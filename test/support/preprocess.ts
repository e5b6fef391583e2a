// Test support: run the preprocessor over in-memory files (the engine does no I/O), and the same
// files through the host's GNU cpp in a temporary folder, to hold our diagnostics against cpp's.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { preprocess, type PreprocessOptions } from '../../engine/devicetree/preprocess';

export type Files = Record<string, string | Uint8Array>;

export function bytesOf(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? new TextEncoder().encode(v) : v;
}

export function pp(files: Files, entry = 'main.dts', opts: Partial<PreprocessOptions> = {}) {
  return preprocess(entry, {
    includeDirs: [],
    ...opts,
    readFile: (p) => (p in files ? bytesOf(files[p]!) : undefined),
  });
}

/** GNU cpp's stderr for the same files (written to a temp folder; cpp runs there). */
export function cppStderr(files: Files, entry = 'main.dts', includeDirs: string[] = []): string {
  return runCpp(files, entry, includeDirs).stderr;
}

/** GNU cpp's stdout for the same files. */
export function cppStdout(files: Files, entry = 'main.dts', includeDirs: string[] = []): string {
  return runCpp(files, entry, includeDirs).stdout;
}

function runCpp(files: Files, entry: string, includeDirs: string[]): { stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pp-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, dirname(name)), { recursive: true });
    writeFileSync(join(dir, name), bytesOf(body));
  }
  try {
    const stdout = execFileSync('cpp', ['-nostdinc', ...includeDirs.flatMap((d) => ['-I', d]), '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', entry], {
      cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8',
    });
    return { stdout, stderr: '' };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
