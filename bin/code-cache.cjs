// Runs a CommonJS bundle (the CLI's .cache/bringup/bringup.cjs) through vm.Script with a V8 code cache
// kept next to it, so a start skips parsing and compiling the functions the run that wrote the cache
// compiled. A cache holds only what its run compiled, so one written by a run that did little (`dt
// --help`, a usage error, a source that failed to compile) is marked partial, and the next complete run
// replaces it; otherwise every later run would compile the rest of the command again, lazily, each time.
// The cache is an optimisation only: a missing, corrupt, foreign or rejected one is ignored and
// rewritten, and no failure to read or write it changes what the bundle prints or returns.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: no ES module loader at start-up */
const { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { Script } = require('node:vm');

// V8 checks its own version and flags in a cache, but matches the script by source length alone, so this
// header carries the bundle's build id and the Node that wrote it. The payload's integrity is V8's own
// checksum, which release builds compute and verify only under --verify-snapshot-checksum (runCommonJs
// sets it): a C++ pass over the payload, where a hash in JavaScript meant loading node:crypto, itself
// 2-10 ms of a start.
const MAGIC = 'bringup-code-cache 3';

function identity(build) {
  return { build, node: process.version, v8: process.versions.v8, arch: process.arch };
}

/**
 * The cache in `file` if its header matches this bundle build and this Node: its payload, and whether
 * the run that wrote it was complete. Else undefined.
 */
function readCodeCache(file, build) {
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const nl = bytes.indexOf(10);
  if (nl < 0) return undefined;
  let header;
  try {
    header = JSON.parse(bytes.subarray(0, nl).toString('utf8'));
  } catch {
    return undefined;
  }
  const want = identity(build);
  if (header?.magic !== MAGIC || Object.keys(want).some((k) => header[k] !== want[k])) return undefined;
  const data = bytes.subarray(nl + 1);
  return data.length === header.length ? { data, complete: header.complete !== false } : undefined;
}

/**
 * Writes `data` as the cache for `build` to `file`, whole or not at all (rename), ignoring failures;
 * `complete`: whether the run that compiled it did a command's whole work.
 */
function writeCodeCache(file, build, data, complete = true) {
  const header = JSON.stringify({ magic: MAGIC, ...identity(build), length: data.length, complete });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, Buffer.concat([Buffer.from(header + '\n'), data]));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true }); // a read-only install runs without a cache
  }
}

/**
 * Runs the CommonJS bundle `file` as Node's loader would, with the code cache `<cacheDir>/<key>-<build>-…`
 * (one per command: each compiles different functions). Returns how the cache was met: 'used', 'partial'
 * (used, though written by an incomplete run), 'rejected' (V8 refused it), 'none' (absent or invalid) or
 * 'off' (the bundle has no build id). `isComplete(exitCode)` says, as the process exits, whether this run
 * did its command's whole work. A cache is written then, once the run has compiled what it needed, when
 * there was none to use, or when the one used was partial and this run is complete.
 *
 * `file` is as build/node-bundle.mjs writes one: a function expression of the module wrapper's
 * parameters (exports, require, module, __filename, __dirname), compiled as it stands and called, so no
 * copy of the whole source with a wrapper around it is made at each start. Its `require` is this
 * file's: the bundle imports only Node's built-in modules and packages in the project's node_modules,
 * which resolve alike from bin/ and from the bundle's folder, where Node's createRequire would load
 * node:module and its ES module loader for nothing.
 */
function runCommonJs(file, { cacheDir, key, isComplete = () => true }) {
  // Before any cache is read or made: V8 then checksums what it writes and refuses a payload that does
  // not match (a flipped bit, a torn write), where it would otherwise deserialize it as it is. The flag
  // is part of V8's flag hash, so a cache made without it is refused too, and rewritten.
  setFlagsFromString('--verify-snapshot-checksum');
  const source = readFileSync(file, 'utf8');
  const build = /^\/\/ build ([0-9a-f-]+)\n/.exec(source)?.[1];
  const cacheFile = build ? join(cacheDir, `${key}-${build}-${process.version}-${process.arch}.v8`) : undefined;
  const cached = cacheFile ? readCodeCache(cacheFile, build) : undefined;
  const script = new Script(source, {
    filename: file,
    ...(cached ? { cachedData: cached.data } : {}),
  });
  const state = !cacheFile ? 'off' : !cached ? 'none' : script.cachedDataRejected ? 'rejected' : cached.complete ? 'used' : 'partial';
  if (cacheFile && state !== 'used') {
    process.once('exit', (code) => {
      const complete = isComplete(code);
      if (state === 'partial' && !complete) return;
      try {
        writeCodeCache(cacheFile, build, script.createCachedData(), complete);
      } catch {
        // createCachedData can only fail on exhaustion; the next run tries again
      }
    });
  }
  const module = { exports: {}, filename: file, id: file };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file));
  return state;
}

module.exports = { readCodeCache, writeCodeCache, runCommonJs };
