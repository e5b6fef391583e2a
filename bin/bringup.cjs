#!/usr/bin/env node
// Launcher for the `bringup` CLI (package.json's bin; bin/bringup.mjs runs this too). The CLI is TypeScript
// (cli/ over engine/ and, for `lab` and `dt --check-bindings`, electron/common and services), run as
// esbuild bundles in .cache/bringup/: commands/<name>.cjs holds one command alone (cli/entries/<name>.ts),
// so `bringup dt` reads and compiles no other command's code; bringup.cjs is the whole CLI, for no
// command, --help and unknown commands. A source checkout rebuilds them when what the bundle to run was
// built from changed (build/bundle-inputs.cjs: a stat per file, no walk of the tree); an installed copy
// runs the bundles it has without looking. CommonJS because Node's ES module loader costs a start-up of
// its own (bench/cli.bench.ts); the ES module build/node-bundle.mjs is imported only to rebuild.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: no ES module loader at start-up */
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { isBundleFresh } = require('../build/bundle-inputs.cjs');
const { runCommonJs } = require('./code-cache.cjs');

const root = join(__dirname, '..');
const outDir = join(root, '.cache', 'bringup');
const entriesDir = join(root, 'cli', 'entries');

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
  const { setFlagsFromString } = require('node:v8');
  setFlagsFromString('--interrupt-budget=675840');
  setFlagsFromString('--semi-space-growth-factor=8');
  setFlagsFromString('--no-minor-gc-task');
  runCommonJs(join(outDir, bundle), {
    cacheDir: join(outDir, 'code-cache'),
    key: bundle === 'bringup.cjs' ? 'bringup' : command,
    // A run that only printed help, or stopped at an error, compiled a fraction of the command.
    isComplete: (code) => code === 0 && command !== undefined && !process.argv.slice(3).some((a) => a === '--help' || a === '-h'),
  });
}

const arg = process.argv[2] ?? '';
const command = /^[a-z][a-z-]{0,31}$/.test(arg) ? arg : undefined;
// A git clone or worktree is where sources get edited; only there are the bundle's inputs checked per run.
const checkout = existsSync(join(root, '.git'));
const initial = bundleFor(command);
if (checkout ? isBundleFresh(root, outDir, initial) : existsSync(join(outDir, initial))) run(initial, command);
// A failed build is left unhandled, as before: esbuild's message, then Node's, and exit status 1.
else rebuild().then(() => run(bundleFor(command), command));
