// One way to run the project's TypeScript on plain Node: bundle an entry with esbuild into .cache/<name>/
// when a file it was built from is newer than the bundle, swapping the new bundle in whole so
// concurrent starts never see half of one. Used by bin/bringup.cjs (the CLI: CommonJS bundles, one per
// command, so each keeps its code cache; it checks them against inputs.json itself) and scripts/start.mjs
// (the host, ES modules).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import launcher from '../bin/bringup.cjs';
import bundleInputs from './bundle-inputs.cjs';

const bundleInputsFile = fileURLToPath(new URL('./bundle-inputs.cjs', import.meta.url));

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

/** Where `bundleIfStale` puts the bundle of `name` (`.cjs` for format 'cjs', else `.mjs`). */
export function bundlePath(root, name, format = 'esm') {
  return join(root, '.cache', name, `${name}.${format === 'cjs' ? 'cjs' : 'mjs'}`);
}

/**
 * Bundles `entry` (a .ts file) to `bundlePath(root, name, format)` unless that is up to date with every
 * file it was built from (inputs.json: the check the CLI's launcher, bin/bringup.cjs, makes at each start);
 * returns the bundle's path. A 'cjs' bundle starts with a line `// build <uuid>`, new on every build: V8
 * matches a code cache to its script by length only, so the CLI keys its code cache by this id (see
 * runCommonJs in bin/bringup.cjs).
 */
export async function bundleIfStale({ root, name, entry, entries = {}, external = [], splitting = false, format = 'esm' }) {
  const out = bundlePath(root, name, format);
  if (launcher.isBundleFresh(root, join(root, '.cache', name), basename(out))) return out;
  return bundle({ root, name, entry, entries, external, splitting, format });
}

/**
 * Bundles unconditionally (see bundleIfStale); returns the bundle's path. `entries` (name → .ts) are
 * more entry points built beside it, such as a worker thread's script or one CLI command; a name may
 * hold a folder ('commands/dt'). Beside the bundles goes inputs.json, what each was built from
 * (build/bundle-inputs.cjs): the sources esbuild read, this file, and `alsoFrom` (the caller's build
 * configuration).
 */
export async function bundle({ root, name, entry, entries = {}, external = [], splitting = false, format = 'esm', alsoFrom = [] }) {
  const outDir = join(root, '.cache', name);
  const out = bundlePath(root, name, format);
  const cjs = format === 'cjs';
  const { build } = await import('esbuild');
  const tmp = `${outDir}.tmp-${process.pid}`;
  const { metafile } = await build({
    entryPoints: { ...entries, [name]: entry },
    // Input paths in the metafile (and the bundle's comments) are relative to the project, wherever it runs from.
    absWorkingDir: root,
    metafile: true,
    outdir: tmp,
    bundle: true,
    splitting: splitting && !cjs,
    format: cjs ? 'cjs' : 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': cjs ? '.cjs' : '.mjs' },
    external,
    sourcemap: 'linked',
    logLevel: 'error',
    // A CommonJS bundle is one function expression of the module wrapper's parameters, opened by the
    // banner and closed by the footer, which bin/bringup.cjs compiles and calls as Node's loader
    // would call a module: as written, with no wrapper text added to a copy of the whole source at
    // each start. import.meta.url (the CLI finds resources/ from it) means the bundle file in CommonJS
    // too, made when first read: most runs never read it, and the URL costs a parse. The banner repeats
    // esbuild's "use strict", which must come first in the function to keep the ES modules' strict mode.
    ...(cjs
      ? {
          banner: {
            js: `// build ${randomUUID()}\n(function (exports, require, module, __filename, __dirname) {'use strict';\nvar __import_meta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };`,
          },
          footer: { js: '})' },
          define: { 'import.meta.url': '__import_meta.url' },
        }
      : {}),
  });
  bundleInputs.writeBundleInputs({ root, outDir: tmp, metafile, alsoFrom: [fileURLToPath(import.meta.url), bundleInputsFile, ...alsoFrom] });
  mkdirSync(join(root, '.cache'), { recursive: true });
  rmSync(outDir, { recursive: true, force: true });
  try {
    renameSync(tmp, outDir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race; its bundle is as new
  }
  return out;
}
