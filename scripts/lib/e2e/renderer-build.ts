// Builds the renderer (renderer/index.html, Vue SFCs, the engine worker) with Vite into a cache folder
// for the browser-mode tests and benches, once per source state: a hash of renderer/ and engine/
// names the output, so a second run reuses it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');

function hashTree(dirs: string[]): string {
  const h = createHash('sha256');
  const visit = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) visit(p);
      else if (/\.(ts|vue|html|css|json)$/.test(name)) {
        h.update(relative(repoRoot, p));
        h.update(readFileSync(p));
      }
    }
  };
  for (const d of dirs) if (existsSync(d)) visit(d);
  return h.digest('hex').slice(0, 16);
}

/** Returns the folder holding the built index.html. */
export async function buildRenderer(): Promise<string> {
  // BRINGUP_RENDERER_DEBUG=1: unminified, so a CPU profile names the functions (profiling the benches).
  // BRINGUP_RENDERER_ROOT=DIR: build the renderer, engine and resources found under DIR instead (a copy of
  // another revision, to compare two renderers under the same machine load).
  const debug = process.env.BRINGUP_RENDERER_DEBUG === '1';
  const srcRoot = process.env.BRINGUP_RENDERER_ROOT ?? repoRoot;
  const key =
    hashTree([join(srcRoot, 'renderer'), join(srcRoot, 'engine'), join(srcRoot, 'electron/common')]) + (debug ? '-debug' : '') + (srcRoot === repoRoot ? '' : '-alt');
  const outDir = join(repoRoot, '.cache', 'renderer-build', key);
  if (existsSync(join(outDir, 'index.html'))) return outDir;
  const { build } = await import('vite');
  const vue = (await import('@vitejs/plugin-vue')).default;
  // Test files run in parallel workers: each builds into its own folder and the first rename wins.
  mkdirSync(dirname(outDir), { recursive: true });
  const tmp = mkdtempSync(`${outDir}.tmp-`);
  await build({
    configFile: false,
    root: join(srcRoot, 'renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [vue()],
    worker: { format: 'es' },
    build: { outDir: tmp, emptyOutDir: true, sourcemap: false, minify: !debug, target: 'es2022', reportCompressedSize: false },
  });
  try {
    renameSync(tmp, outDir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(outDir, 'index.html'))) throw new Error(`renderer build at ${outDir} is incomplete`);
  }
  return outDir;
}
