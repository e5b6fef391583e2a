#!/usr/bin/env node
// Launcher for the `bringup` CLI. The CLI is TypeScript (cli/ over engine/); this bundles it with
// esbuild into .cache/cli/ when the sources are newer than the bundle, then runs the bundle.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.cache', 'cli');
const entry = join(outDir, 'bringup.mjs');

function newestMtime(dir) {
  let newest = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

async function ensureBuilt() {
  const sourcesAt = Math.max(newestMtime(join(root, 'cli')), newestMtime(join(root, 'engine')));
  if (existsSync(entry) && statSync(entry).mtimeMs >= sourcesAt) return;
  const { build } = await import('esbuild');
  const tmp = `${outDir}.tmp-${process.pid}`;
  await build({
    entryPoints: { bringup: join(root, 'cli', 'bringup.ts') },
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    external: ['serialport', 'ws'],
    sourcemap: 'inline',
    logLevel: 'error',
  });
  mkdirSync(join(root, '.cache'), { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  try {
    renameSync(tmp, outDir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race; its bundle is as new
  }
}

await ensureBuilt();
await import(pathToFileURL(entry).href);
