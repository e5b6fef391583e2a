// `npm start` without Electron: the browser mode. Creates the services, starts the loopback host
// over the built renderer (or Vite's dev middleware with --dev), prints a launch URL and opens
// another with xdg-open: each carries its own single-use launch code, never the token, because
// command lines are readable by every local user (`ps`). Flags: --port N, --dev, --demo (adds ?demo=1: the renderer opens the demo board and
// connects to `demo:` by itself), --no-open, --root DIR (the project root).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createAppServices, defaultSessionsDir, type WorkbenchServices } from '../services';
import { startHost, type Middleware, type RunningHost } from './server';

export interface HostArgs {
  port: number;
  dev: boolean;
  demo: boolean;
  open: boolean;
  root: string;
}

function parseArgs(argv: string[]): HostArgs {
  const args: HostArgs = { port: 0, dev: false, demo: false, open: true, root: process.cwd() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--port') args.port = Number(argv[++i]);
    else if (a === '--dev') args.dev = true;
    else if (a === '--demo') args.demo = true;
    else if (a === '--no-open') args.open = false;
    else if (a === '--root') args.root = resolve(argv[++i] ?? '.');
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error('--port takes 0-65535');
  return args;
}

async function viteMiddleware(root: string): Promise<Middleware> {
  const { createServer } = await import('vite');
  const { default: vue } = await import('@vitejs/plugin-vue');
  const vite = await createServer({
    configFile: false,
    root: join(root, 'renderer'),
    plugins: [vue()],
    server: { middlewareMode: true, hmr: false },
    appType: 'spa',
  });
  return vite.middlewares as unknown as Middleware;
}

/** Hands `url` to the desktop's opener (xdg-open); its command line is public, so `url` holds no secret that lasts. */
export function tryOpen(url: string): void {
  if (process.env.BRINGUP_NO_OPEN || (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && process.platform === 'linux')) return;
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // printing the URL is enough
  }
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const args = parseArgs(argv);
  const { host, services } = await runHost(args);
  const stop = async () => {
    await host.close();
    await services.dispose();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** Starts the services and the host, prints one launch URL and opens another. */
export async function runHost(args: HostArgs): Promise<{ host: RunningHost; services: WorkbenchServices }> {
  const services = createAppServices({ resourcesDir: join(args.root, 'resources'), sessionsDir: defaultSessionsDir(args.root) });
  const staticDir = join(args.root, 'out', 'renderer');
  const host = await startHost({
    services,
    port: args.port,
    ...(args.dev ? { renderer: await viteMiddleware(args.root) } : { staticDir }),
  });
  if (!args.dev && !existsSync(join(staticDir, 'index.html'))) console.log(`note: ${staticDir} has no built renderer; run \`npx electron-vite build\``);
  const query: Record<string, string> = args.demo ? { demo: '1' } : {};
  console.log(`Bring-up Workbench (browser mode) on 127.0.0.1 only (the link works once):\n\n  ${host.launchUrl(query)}\n`);
  if (args.open) tryOpen(host.launchUrl(query));
  return { host, services };
}

// Imported by tests for runHost; run only as the bundled entry.
if (process.env.VITEST === undefined) main().catch((err: Error) => {
  console.error(`bringup host: ${err.message}`);
  process.exitCode = 1;
});
