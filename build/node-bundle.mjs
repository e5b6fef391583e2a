// One way to run the project's TypeScript on plain Node: bundle an entry with esbuild into .cache/<name>/
// when a file it was built from is newer than the bundle, each new file renamed over the old one so
// concurrent starts never see half of one (installBuild). Used by bin/bringup.cjs (the CLI: CommonJS bundles, one per
// command, so each keeps its code cache; it checks them against inputs.json itself) and scripts/start.mjs
// (the host, ES modules).
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import launcher from '../bin/bringup.cjs';
import bundleInputs from './bundle-inputs.cjs';

const bundleInputsFile = fileURLToPath(new URL('./bundle-inputs.cjs', import.meta.url));
/** The folder of a bundle's outDir where bin/bringup.cjs keeps its code caches. */
const { CODE_CACHE_DIR } = launcher;

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
  installBuild(tmp, outDir);
  return out;
}

/** The files under `dir`, as paths relative to it, but none under `skip` (a name of a folder in it). */
function filesUnder(dir, skip) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (d !== dir || e.name !== skip) walk(p);
      } else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** The `// build <id>` a CommonJS bundle starts with, or undefined. */
function buildIdOf(file) {
  const buf = Buffer.alloc(64);
  let fd;
  try {
    fd = openSync(file, 'r');
    const n = readSync(fd, buf, 0, buf.length, 0);
    return launcher.buildIdIn(buf.subarray(0, n).toString('latin1'));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Moves the build in `tmp` into `outDir`, a file at a time, each renamed over the one it replaces: a
 * rename is atomic, so a start that opens a bundle meanwhile reads the old one or the new one whole,
 * never a missing one. The folder itself stays, since starts that run at the same moment use it (and
 * write their code caches into it); removing and renaming it whole failed or took a folder from under
 * them when two starts rebuilt at once (`make -j` after a source edit). Builds of the same sources
 * make the same files, and each bundle stands alone, so which of two racing builds lands a given file
 * does not matter; inputs.json, which says what is fresh, comes last. Then files no build makes any more
 * (a command that is gone), code caches of builds no bundle here comes from, and the temporary folders
 * of builds whose process died, are removed.
 */
export function installBuild(tmp, outDir) {
  const made = filesUnder(tmp).sort((a, b) => Number(a === launcher.INPUTS_FILE) - Number(b === launcher.INPUTS_FILE));
  for (const rel of made) {
    mkdirSync(dirname(join(outDir, rel)), { recursive: true });
    renameSync(join(tmp, rel), join(outDir, rel));
  }
  rmSync(tmp, { recursive: true, force: true });
  const keep = new Set(made);
  const ids = new Set();
  for (const rel of filesUnder(outDir, CODE_CACHE_DIR)) {
    if (!keep.has(rel)) rmSync(join(outDir, rel), { force: true });
    else if (rel.endsWith('.cjs')) ids.add(buildIdOf(join(outDir, rel)));
  }
  const caches = join(outDir, CODE_CACHE_DIR);
  for (const rel of filesUnder(caches)) {
    if (![...ids].some((id) => id && rel.includes(`-${id}-`))) rmSync(join(caches, rel), { force: true });
  }
  // What a build killed half-way left beside it: `<outDir>.tmp-<pid>` of a process that is gone.
  const prefix = `${basename(outDir)}.tmp-`;
  for (const name of readdirSync(dirname(outDir))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) rmSync(join(dirname(outDir), name), { recursive: true, force: true });
  }
}

/** Whether process `pid` exists (signal 0 checks without sending; EPERM: it exists, as another user's). */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

