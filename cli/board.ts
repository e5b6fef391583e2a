// The one way the CLI reads a board for the probe model: a .dtb by its magic, a .dts preprocessed and
// compiled by engine/devicetree's front door, paths resolved against the working directory.
// `bringup predict`, `compare` and `parse-log --board` all read boards through here.
import { resolve } from 'node:path';
import type { Result } from '../engine/common';
import { loadDeviceTree, type DtTree } from '../engine/devicetree';
import type { CliIo } from './io';

export function loadBoard(path: string, includeDirs: string[], defines: string[], io: CliIo): Result<DtTree> {
  return loadDeviceTree(resolve(io.cwd, path), {
    includeDirs: includeDirs.map((d) => resolve(io.cwd, d)),
    defines,
    checks: false,
    now: new Date(),
    readFile: (p) => {
      try {
        return io.readSourceFile(p);
      } catch {
        return undefined;
      }
    },
  });
}
