// One way to run the project's TypeScript on plain Node: bundle an entry with esbuild into .cache/<name>/
// when any source under the given folders is newer than the bundle, swapping the new bundle in whole so
// concurrent starts never see half of one. Used by bin/bringup.mjs (the CLI) and scripts/start.mjs (the host).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest mtime of the files under `dirs` whose names end with one of `exts`. */
export function newestMtime(dirs, exts) {
  let newest = 0;
  const stack = dirs.filter((d) => existsSync(d));
  while (stack.length) {
    const d = stack.pop();
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (exts.some((x) => e.name.endsWith(x))) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

/**
 * Bundles `entry` (a .ts file) to `<root>/.cache/<name>/<name>.mjs` unless that is newer than every
 * source under `sourceDirs`; returns the bundle's path.
 */
export async function bundleIfStale({ root, name, entry, sourceDirs, external = [], splitting = false }) {
  const outDir = join(root, '.cache', name);
  const out = join(outDir, `${name}.mjs`);
  const sourcesAt = newestMtime(sourceDirs, ['.ts', '.json']);
  if (existsSync(out) && statSync(out).mtimeMs >= sourcesAt) return out;
  const { build } = await import('esbuild');
  const tmp = `${outDir}.tmp-${process.pid}`;
  await build({
    entryPoints: { [name]: entry },
    outdir: tmp,
    bundle: true,
    splitting,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    external,
    sourcemap: 'linked',
    logLevel: 'error',
  });
  mkdirSync(join(root, '.cache'), { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  try {
    renameSync(tmp, outDir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race; its bundle is as new
  }
  return out;
}
