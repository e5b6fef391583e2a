// What each bundle of a build (build/node-bundle.mjs) was made from, kept as inputs.json beside the
// bundles, and the check that a bundle is still up to date against it. CommonJS so bin/bringup.cjs can
// make the check at start-up without Node's ES module loader (a few ms of its own): the check is one
// stat per source file the bundle was built from and per folder holding one, not a walk of the tree.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: no ES module loader at start-up */
const { readFileSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');

const INPUTS_FILE = 'inputs.json';

/**
 * Writes `<outDir>/inputs.json`: for each bundle (its path under outDir), the files it was built from,
 * relative to `root`. `metafile` is esbuild's, built with absWorkingDir `root` and outdir `outDir`;
 * `alsoFrom` are files every bundle depends on though esbuild did not read them (the build's own code).
 */
function writeBundleInputs({ root, outDir, metafile, alsoFrom = [] }) {
  const record = {};
  for (const [out, { inputs }] of Object.entries(metafile.outputs)) {
    if (out.endsWith('.map')) continue;
    const bundle = relative(outDir, resolve(root, out)).split('\\').join('/');
    // Only real files: a module esbuild made up itself (a namespace such as `<runtime>`) has nothing to stat.
    const files = Object.keys(inputs).filter((f) => statSync(resolve(root, f), { throwIfNoEntry: false })?.isFile());
    record[bundle] = [...new Set([...files, ...alsoFrom.map((f) => relative(root, f))])].sort();
  }
  writeFileSync(join(outDir, INPUTS_FILE), JSON.stringify(record, null, 1) + '\n');
}

/**
 * Whether `<outDir>/<bundle>` exists and is newer than every file it was built from and every folder
 * holding one. A folder's mtime changes when a file is added, removed or renamed in it, which can change
 * what an import resolves to; an edit changes the file's own. False when there is no record to go by.
 */
function isBundleFresh(root, outDir, bundle) {
  let builtAt;
  let inputs;
  try {
    builtAt = statSync(join(outDir, bundle)).mtimeMs;
    inputs = JSON.parse(readFileSync(join(outDir, INPUTS_FILE), 'utf8'))[bundle];
  } catch {
    return false;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  const paths = new Set();
  for (const input of inputs) {
    const file = resolve(root, input);
    paths.add(file);
    paths.add(dirname(file));
  }
  for (const p of paths) {
    const stat = statSync(p, { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs > builtAt) return false;
  }
  return true;
}

module.exports = { INPUTS_FILE, writeBundleInputs, isBundleFresh };
