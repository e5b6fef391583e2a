#!/usr/bin/env node
// `npm start` / `npm run demo`: builds what is stale (electron-vite: main, preload, renderer into
// out/), then opens the Electron app when Electron's binary is installed, else says so and starts the
// browser mode (electron/host/, bundled with esbuild into .cache/host/) on 127.0.0.1 with a random
// token, printing the URL. `--demo` opens the bundled demo board and connects to `demo:` by itself.
// Other flags go to the browser-mode host: --port N, --dev (Vite middleware, no build), --no-open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleIfStale, newestMtime } from '../build/node-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const demo = args.includes('--demo');
const dev = args.includes('--dev');
const forceBrowser = args.includes('--browser') || process.env.BRINGUP_BROWSER === '1';
const hostArgs = args.filter((a) => a !== '--browser');

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

/** The Electron binary, if the package's postinstall (or a later `npx electron`) put it there. */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(join(pkg, 'dist')) || !existsSync(pathTxt)) return undefined;
  const bin = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(bin) ? bin : undefined;
}

function buildApp() {
  const sourcesAt = Math.max(
    newestMtime([join(root, 'electron'), join(root, 'renderer'), join(root, 'engine')], ['.ts', '.vue', '.html', '.css', '.json']),
    mtime(join(root, 'build', 'electron.vite.config.ts')),
  );
  const builtAt = Math.min(mtime(join(root, 'out', 'main', 'index.js')), mtime(join(root, 'out', 'renderer', 'index.html')));
  if (builtAt >= sourcesAt) return true;
  console.log('building the app (electron-vite build)…');
  const bin = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const r = spawnSync(process.execPath, [existsSync(bin) ? bin : join(root, 'node_modules', '.bin', 'electron-vite'), 'build', '-c', 'build/electron.vite.config.ts'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) console.log('electron-vite build failed (see above); starting with what is built');
  return r.status === 0;
}

function bundleHost() {
  return bundleIfStale({
    root,
    name: 'host',
    entry: join(root, 'electron', 'host', 'main.ts'),
    // electron/services/board.ts runs each board compile in this worker, found beside host.mjs.
    entries: { 'board-worker': join(root, 'electron', 'services', 'board-worker.ts') },
    external: ['serialport', 'ws', 'vite', '@vitejs/plugin-vue', 'electron', '@grpc/grpc-js', '@grpc/proto-loader'],
  });
}

/**
 * Electron >= 42 fetches its binary lazily (on the first require), not at `npm ci`. Fetch it here once;
 * where the download host cannot be reached (it fails at once on a closed network) fall back.
 */
function fetchElectronBinary() {
  const install = join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(install)) return undefined;
  console.log("fetching Electron's binary (first start only)…");
  const r = spawnSync(process.execPath, [install], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], timeout: 600_000, encoding: 'utf8' });
  if (r.status !== 0) {
    const why = (r.stderr ?? '').split('\n').find((l) => /error|ENOTFOUND|ECONN|EAI_AGAIN|status/i.test(l)) ?? `exit ${r.status}`;
    console.log(`could not fetch Electron's binary: ${why.trim()}`);
    return undefined;
  }
  return electronBinary();
}

const electron = forceBrowser ? undefined : (electronBinary() ?? fetchElectronBinary());
if (!dev) buildApp();
if (electron) {
  console.log(`opening the Electron app (${electron})`);
  const electronArgs = [root, ...(demo ? ['--demo'] : [])];
  if (process.getuid?.() === 0) {
    // Chromium refuses to start as root with its OS sandbox; the renderer keeps sandbox: true.
    console.log('running as root: starting Electron with --no-sandbox (the OS-level sandbox needs a normal user)');
    electronArgs.unshift('--no-sandbox');
  }
  const child = spawn(electron, electronArgs, { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => (process.exitCode = code ?? 0));
} else {
  if (!forceBrowser) {
    console.log("Electron's binary is not available here, so the workbench opens in browser mode (the same app, served on 127.0.0.1).");
  }
  const entry = await bundleHost();
  process.argv = [process.argv[0], entry, '--root', root, ...hostArgs];
  await import(pathToFileURL(entry).href);
}
