#!/usr/bin/env node
// Launcher for the `bringup` CLI (package.json's bin; bin/bringup.mjs runs this too). The CLI is TypeScript
// (cli/ over engine/ and, for `lab`, electron/common and services), run as one esbuild bundle in
// .cache/bringup/bringup.cjs: a source checkout rebuilds it when those sources changed; an installed copy
// runs the bundle it has without looking at them. CommonJS because Node's ES module loader costs a
// start-up of its own (bench/cli.bench.ts).
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: no ES module loader at start-up */
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { runCommonJs } = require('./code-cache.cjs');

const root = join(__dirname, '..');

async function rebuildIfStale() {
  const { bundleIfStale } = await import('../build/node-bundle.mjs');
  return bundleIfStale({
    root,
    name: 'bringup',
    entry: join(root, 'cli', 'bringup.ts'),
    sourceDirs: [join(root, 'cli'), join(root, 'engine'), join(root, 'electron', 'common'), join(root, 'electron', 'services')],
    external: ['serialport', 'ws', '@grpc/grpc-js', '@grpc/proto-loader'],
    format: 'cjs',
  });
}

function run(bundle) {
  // A one-board compile is over in ~100 ms, before TurboFan's code would pay back its compile (which
  // measured as a third of the CPU time); 10x V8's default budget leaves a --batch run over a corpus,
  // where optimised code does pay, as fast as before. A faster-growing young generation saves scavenges
  // in a short run; its ceiling (--max-semi-space-size) is unchanged.
  setFlagsFromString('--interrupt-budget=675840');
  setFlagsFromString('--semi-space-growth-factor=8');
  const command = process.argv[2] ?? '';
  runCommonJs(bundle, { cacheDir: join(dirname(bundle), 'code-cache'), key: /^[a-z][a-z-]{0,31}$/.test(command) ? command : 'main' });
}

const bundle = join(root, '.cache', 'bringup', 'bringup.cjs');
// A git clone or worktree is where sources get edited; only there is the source tree walked per run.
// A failed build is left unhandled, as before: esbuild's message, then Node's, and exit status 1.
if (!existsSync(join(root, '.git')) && existsSync(bundle)) run(bundle);
else rebuildIfStale().then(run);
