#!/usr/bin/env node
// Launcher for the `bringup` CLI. The CLI is TypeScript (cli/ over engine/), run as one esbuild bundle in
// .cache/bringup/bringup.cjs: in a source checkout it is rebuilt when cli/ or engine/ changed; an
// installed copy runs the bundle it has without looking at the sources. Start-up is kept near Node's own
// (see bench/cli.bench.ts): the V8 code cache of bin/code-cache.mjs, and no optimising compiles in short runs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runCommonJs } from './code-cache.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let bundle = join(root, '.cache', 'bringup', 'bringup.cjs');
// A git clone or worktree is where sources get edited; only there is the source tree walked per run.
if (existsSync(join(root, '.git')) || !existsSync(bundle)) {
  const { bundleIfStale } = await import('../build/node-bundle.mjs');
  bundle = await bundleIfStale({
    root,
    name: 'bringup',
    entry: join(root, 'cli', 'bringup.ts'),
    sourceDirs: [join(root, 'cli'), join(root, 'engine')],
    external: ['serialport', 'ws'],
    format: 'cjs',
  });
}
// A one-board compile is over in ~100 ms, before TurboFan's code would pay back its compile (which
// measured as a third of the CPU time); 10x V8's default budget leaves a --batch run over a corpus,
// where optimised code does pay, as fast as before (bench/cli.bench.ts, bench/devicetree.bench.ts).
setFlagsFromString('--interrupt-budget=675840');
const command = process.argv[2] ?? '';
runCommonJs(bundle, { cacheDir: join(dirname(bundle), 'code-cache'), key: /^[a-z][a-z-]{0,31}$/.test(command) ? command : 'main' });
