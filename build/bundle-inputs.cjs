// What each bundle of a build (build/node-bundle.mjs) was made from, kept as inputs.json beside the
// bundles. The check against it (one stat per source file the bundle was built from and per folder
// holding one, not a walk of the tree) is isBundleFresh in bin/bringup.cjs, which makes it at every start
// in a checkout and so holds it in its own one file.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, beside the CommonJS launcher it shares the record's name with */
const { statSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');
const { INPUTS_FILE } = require('../bin/bringup.cjs');

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

module.exports = { writeBundleInputs };
