#!/usr/bin/env node
// Launcher for the `bringup` CLI. The CLI is TypeScript (cli/ over engine/); this bundles it with
// esbuild into .cache/bringup/ when the sources are newer than the bundle, then runs the bundle.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleIfStale } from '../build/node-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = await bundleIfStale({
  root,
  name: 'bringup',
  entry: join(root, 'cli', 'bringup.ts'),
  sourceDirs: [join(root, 'cli'), join(root, 'engine'), join(root, 'electron', 'common'), join(root, 'electron', 'services')],
  external: ['serialport', 'ws', '@grpc/grpc-js', '@grpc/proto-loader'],
  splitting: true,
});
await import(pathToFileURL(entry).href);
