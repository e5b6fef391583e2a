// Finds the user's own labgrid: its `labgrid-client` (which runs power actions through labgrid's
// drivers), the Python that runs it, its version, and the coordinator's protocol description that ships
// inside it (labgrid/remote/proto/labgrid-coordinator.proto). Nothing of labgrid is copied into the
// workbench: the protocol is read from the installation the lab already uses.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface LabgridInstallation {
  /** The labgrid-client program. */
  client: string;
  /** The Python interpreter its shebang names. */
  python: string;
  version: string;
  protoPath: string;
}

function onPath(tool: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  }
  return null;
}

function shebangInterpreter(file: string): string | null {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    if (!first.startsWith('#!')) return null;
    const parts = first.slice(2).trim().split(/\s+/);
    // `#!/usr/bin/env python3` names the interpreter through env.
    return parts[0]?.endsWith('/env') ? (onPath(parts[1] ?? '') ?? null) : (parts[0] ?? null);
  } finally {
    closeSync(fd);
  }
}

/**
 * `labgridClient` (a path) wins; then BRINGUP_LABGRID_CLIENT; then `labgrid-client` on PATH. Throws one
 * sentence saying what is missing and how to get it.
 */
export function findLabgrid(labgridClient?: string): LabgridInstallation {
  const client = labgridClient ?? process.env.BRINGUP_LABGRID_CLIENT ?? onPath('labgrid-client');
  if (!client || !existsSync(client)) {
    throw new Error('labgrid is not installed: no labgrid-client on PATH (pip install labgrid, or set BRINGUP_LABGRID_CLIENT to its path)');
  }
  const python = shebangInterpreter(client);
  if (!python || !existsSync(python)) throw new Error(`${client}: cannot tell which Python runs it (no usable #! line)`);
  let out: string;
  try {
    out = execFileSync(python, ['-c', 'import labgrid, os, importlib.metadata as m; print(os.path.dirname(labgrid.__file__)); print(m.version("labgrid"))'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
  } catch (e) {
    throw new Error(`${python} cannot import labgrid: ${(e as Error).message.split('\n')[0]}`);
  }
  const [dir, version] = out.trim().split('\n');
  const protoPath = join(dir!, 'remote', 'proto', 'labgrid-coordinator.proto');
  if (!existsSync(protoPath)) throw new Error(`labgrid ${version} at ${dir} has no coordinator protocol (${protoPath}); labgrid 25 or later speaks gRPC`);
  return { client, python, version: version!, protoPath };
}
