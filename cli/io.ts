// The CLI's side effects in one place, so commands stay testable in-process: output streams and
// file access. Commands return an exit code; only cli/main.ts sets process.exitCode.
import { readFileSync, writeFileSync } from 'node:fs';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Uint8Array;
  writeFile: (path: string, data: Uint8Array | string) => void;
  cwd: string;
}

export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    readFile: (p) => new Uint8Array(readFileSync(p)),
    writeFile: (p, d) => writeFileSync(p, d),
    cwd: process.cwd(),
  };
}

/** Exit codes shared by every subcommand. */
export const EXIT_OK = 0;
export const EXIT_INPUT_ERROR = 1; // errors in the input, or (compare) mismatches
export const EXIT_USAGE = 2;
