#!/usr/bin/env node
// Launcher for the `bringup` CLI (package.json's bin; bin/bringup.mjs runs this too). The CLI is TypeScript
// (cli/ over engine/ and, for `lab` and `dt --check-bindings`, electron/common and services), run as
// esbuild bundles in .cache/bringup/: commands/<name>.cjs holds one command alone (cli/entries/<name>.ts),
// so `bringup dt` reads and compiles no other command's code; bringup.cjs is the whole CLI, for no
// command, --help and unknown commands. A source checkout rebuilds them when what the bundle to run was
// built from changed (isBundleFresh: a stat per file, no walk of the tree); an installed copy runs the
// bundles it has without looking. CommonJS because Node's ES module loader costs a start-up of its own
// (bench/cli.bench.ts); the ES module build/node-bundle.mjs is imported only to rebuild.
//
// Everything a start runs is in this one file: the freshness check and the code cache runner are here,
// not in modules of their own, because each module the launcher requires costs the CommonJS loader's
// resolve, read and compile at every start (0.2-0.4 ms each, measured beside `node -e 0`). The build
// (build/node-bundle.mjs, build/bundle-inputs.cjs) and the tests take them from here; the launcher runs
// only as the program itself (`node bin/bringup.cjs`, the bin link) or through bin/bringup.mjs's main().
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: no ES module loader at start-up */
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');
const { Script } = require('node:vm');

const root = join(__dirname, '..');
const outDir = join(root, '.cache', 'bringup');
const entriesDir = join(root, 'cli', 'entries');

// ---------------------------------------------------------------- is a bundle up to date

/** What build/bundle-inputs.cjs writes beside a build's bundles: for each bundle, the files it was built from. */
const INPUTS_FILE = 'inputs.json';
/** The folder beside the bundles where their code caches are kept (build/node-bundle.mjs leaves it when it installs a build). */
const CODE_CACHE_DIR = 'code-cache';

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

// ---------------------------------------------------------------- the code cache

// A CommonJS bundle (the CLI's .cache/bringup/commands/<name>.cjs) runs through vm.Script with a V8 code
// cache kept next to it, so a start skips parsing and compiling the functions the runs that wrote the
// cache compiled. A cache holds only what its runs compiled, and a function missing from it is compiled
// again, lazily, by every run that calls it: a first `bringup dt` on a small source leaves out the macro
// expander, the #include and label paths a larger board takes (measured on juno-r2: 3-4 ms of each run).
// So the header counts the complete runs whose functions the cache holds (`runs`); a run that did little
// (`dt --help`, a usage error, a source that failed to compile) counts 0, and each of the first
// MERGED_RUNS complete runs writes the cache again with what it compiled added (createCachedData of a
// script that ran from a cache holds the cache's functions and the ones compiled since). After that a
// run mostly only reads it: serializing costs 1.5-2.5 ms, which no run should pay for good. But the
// first runs may all have been small ones (a test suite's fixtures) and a later large board takes
// paths they did not: without them in the cache, every such run compiles them again (measured on
// juno-r2 after four fixture runs: +24M instructions, ~9% of the run). So one complete run in
// RECHECK_ONE_IN, at random, serializes again (measured on juno-r2: ~17M instructions, ~6% of that
// run, so ~0.4% on average) and writes the cache if it came out clearly larger; otherwise it leaves
// the file as it is.
// The cache is an optimisation only: a missing, corrupt, foreign or rejected one is ignored and
// rewritten, and no failure to read or write it changes what the bundle prints or returns.
//
// V8 checks its own version and flags in a cache, but matches the script by source length alone, so this
// header carries the bundle's build id and the Node that wrote it. The payload's integrity is V8's own
// checksum, which release builds compute and verify only under --verify-snapshot-checksum (runCommonJs
// sets it): a C++ pass over the payload, where a hash in JavaScript meant loading node:crypto, itself
// 2-10 ms of a start.
const MAGIC = 'bringup-code-cache 4';
/** How many complete runs add what they compiled to a command's cache before it is left as it is. */
const MERGED_RUNS = 4;
/**
 * After that, one complete run in this many checks whether it compiled what the cache lacks
 * (BRINGUP_CODE_CACHE_RECHECK=always: every run, for the tests).
 */
const RECHECK_ONE_IN = 16;

/** The build id of a bundle's source: its first line, `// build <id>`, as build/node-bundle.mjs writes it. */
function buildIdIn(source) {
  return /^\/\/ build ([0-9a-f-]+)\n/.exec(source)?.[1];
}

function identity(build) {
  return { build, node: process.version, v8: process.versions.v8, arch: process.arch };
}

/**
 * The cache in `file` if its header matches this bundle build and this Node: its payload, and how many
 * complete runs it holds the functions of. Else undefined.
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
  return data.length === header.length && Number.isInteger(header.runs) && header.runs >= 0 ? { data, runs: header.runs } : undefined;
}

/**
 * Writes `data` as the cache for `build` to `file`, whole or not at all (rename), ignoring failures;
 * `runs`: how many complete runs compiled what it holds (0: only a run that did not do its whole work).
 */
function writeCodeCache(file, build, data, runs = 1) {
  const header = JSON.stringify({ magic: MAGIC, ...identity(build), length: data.length, runs });
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
 * Sets V8 flags in this running process. node:v8's setFlagsFromString is the binding's own function, but
 * node:v8 loads its heap-snapshot streams with it (node:stream and two dozen internal modules: ~1.7 ms of
 * a 90 ms compile, at every start); process.binding('v8') hands over the same function alone. That
 * access is deprecated (DEP0111) and warns, so the warning is silenced for it alone, and a Node without
 * it gets node:v8.
 */
function setV8Flags(...flags) {
  let set;
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true;
    set = process.binding('v8').setFlagsFromString;
  } catch {
    // gone from this Node
  } finally {
    process.noDeprecation = quiet;
  }
  if (typeof set !== 'function') set = require('node:v8').setFlagsFromString;
  for (const flag of flags) set(flag);
}

/**
 * Runs the CommonJS bundle `file` as Node's loader would, with the code cache `<cacheDir>/<key>-<build>-…`
 * (one per command: each compiles different functions). Returns how the cache was met: 'used', 'partial'
 * (used, though it holds no complete run's functions), 'rejected' (V8 refused it), 'none' (absent or
 * invalid) or 'off' (the bundle has no build id). `isComplete(exitCode)` says, as the process exits,
 * whether this run did its command's whole work. A cache is written then, once the run has compiled what
 * it needed: when there was none to use, or when this run is complete and the one used holds fewer than
 * MERGED_RUNS complete runs, or, for one complete run in RECHECK_ONE_IN after that, when the run
 * compiled clearly more than the cache holds. A merge that came out clearly smaller than the cache it read (V8 drops the
 * bytecode of functions unused for a while in a long run) is not written; one that holds the same
 * functions differs from it by a few dozen bytes either way, so a 1/32 shortfall is allowed.
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
  setV8Flags('--verify-snapshot-checksum');
  const source = readFileSync(file, 'utf8');
  const build = buildIdIn(source);
  const cacheFile = build ? join(cacheDir, `${key}-${build}-${process.version}-${process.arch}.v8`) : undefined;
  const cached = cacheFile ? readCodeCache(cacheFile, build) : undefined;
  const script = new Script(source, {
    filename: file,
    ...(cached ? { cachedData: cached.data } : {}),
  });
  const state = !cacheFile ? 'off' : !cached ? 'none' : script.cachedDataRejected ? 'rejected' : cached.runs > 0 ? 'used' : 'partial';
  const fresh = state === 'none' || state === 'rejected';
  const merging = cacheFile !== undefined && (fresh || cached.runs < MERGED_RUNS);
  const rechecking = cacheFile !== undefined && !merging && (process.env.BRINGUP_CODE_CACHE_RECHECK === 'always' || Math.random() * RECHECK_ONE_IN < 1);
  if (merging || rechecking) {
    process.once('exit', (code) => {
      const complete = isComplete(code);
      if (!fresh && !complete) return;
      try {
        const data = script.createCachedData();
        const slack = fresh ? 0 : cached.data.length >> 5;
        if (!fresh && data.length < cached.data.length - slack) return;
        // A recheck writes only what is clearly more: the same functions come out a few dozen bytes apart.
        if (rechecking && data.length <= cached.data.length + slack) return;
        writeCodeCache(cacheFile, build, data, fresh ? Number(complete) : cached.runs + 1);
      } catch {
        // createCachedData can only fail on exhaustion; the next run tries again
      }
    });
  }
  const module = { exports: {}, filename: file, id: file };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file));
  return state;
}

// ---------------------------------------------------------------- the launcher

async function rebuild() {
  const { bundle } = await import('../build/node-bundle.mjs');
  const entries = Object.fromEntries(
    readdirSync(entriesDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [`commands/${f.slice(0, -3)}`, join(entriesDir, f)]),
  );
  await bundle({
    root,
    name: 'bringup',
    entry: join(root, 'cli', 'bringup.ts'),
    entries,
    external: ['serialport', 'ws', '@grpc/grpc-js', '@grpc/proto-loader'],
    format: 'cjs',
    alsoFrom: [__filename],
  });
}

/** The bundle under outDir that runs `command`: its own if it has one, else the whole CLI's. */
function bundleFor(command) {
  const own = command === undefined ? undefined : `commands/${command}.cjs`;
  return own && existsSync(join(outDir, own)) ? own : 'bringup.cjs';
}

/** Runs `bundle` with a code cache of its own: the command's, or one for the whole CLI's few paths. */
function run(bundle, command) {
  // A one-board compile is over in ~100 ms, before TurboFan's code would pay back its compile (which
  // measured as a third of the CPU time); 10x V8's default budget leaves a --batch run over a corpus,
  // where optimised code does pay, as fast as before. A faster-growing young generation saves scavenges
  // in a short run; its ceiling (--max-semi-space-size) is unchanged. V8 schedules a scavenge as a task
  // once the young generation is 80% full, and Node runs pending tasks before it exits: a compile that
  // is done then paid for a collection of garbage about to be dropped anyway (--trace-gc: `task`, 4-12 ms
  // after the output was written); without the task a scavenge happens only when allocation needs it.
  // Any flag set here also keys the code cache (V8 hashes its flags), and makes Node compile the
  // built-in modules loaded after it without their embedded cache, so this comes as late as it can.
  setV8Flags('--interrupt-budget=675840', '--semi-space-growth-factor=8', '--no-minor-gc-task');
  runCommonJs(join(outDir, bundle), {
    cacheDir: join(outDir, CODE_CACHE_DIR),
    key: bundle === 'bringup.cjs' ? 'bringup' : command,
    // A run that only printed help, or stopped at an error, compiled a fraction of the command.
    isComplete: (code) => code === 0 && command !== undefined && !process.argv.slice(3).some((a) => a === '--help' || a === '-h'),
  });
}

/** Runs the command line this process was started with. */
function main() {
  const arg = process.argv[2] ?? '';
  const command = /^[a-z][a-z-]{0,31}$/.test(arg) ? arg : undefined;
  // A git clone or worktree is where sources get edited; only there are the bundle's inputs checked per run.
  const checkout = existsSync(join(root, '.git'));
  const initial = bundleFor(command);
  if (checkout ? isBundleFresh(root, outDir, initial) : existsSync(join(outDir, initial))) run(initial, command);
  // A failed build is left unhandled, as before: esbuild's message, then Node's, and exit status 1.
  else rebuild().then(() => run(bundleFor(command), command));
}

module.exports = { INPUTS_FILE, CODE_CACHE_DIR, buildIdIn, isBundleFresh, readCodeCache, writeCodeCache, runCommonJs, main };
// As the program (not when the build, bin/bringup.mjs or a test requires this file for what it exports).
if (require.main === module) main();
