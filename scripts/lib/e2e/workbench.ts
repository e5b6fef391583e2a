// The browser mode, end to end: the real main-process services and the loopback web host
// (electron/host/server.ts) in this process, serving the freshly built renderer, opened in real
// Chromium with the token in the URL. Plus a socat pty pair: the "board" end the test writes a boot
// log into, and the end the app opens like any tty.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startHost, type RunningHost } from '../../../electron/host/server';
import { createAppServices, createWorkbenchServices, type WorkbenchServices } from '../../../electron/services';
import { launchChromium, type Browser } from './chromium';
import { buildRenderer, repoRoot } from './renderer-build';

export interface Workbench {
  services: WorkbenchServices;
  host: RunningHost;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function openWorkbench(
  opts: {
    query?: string;
    viewport?: { width: number; height: number };
    /** Record sessions as the app does (createAppServices). */
    record?: boolean;
    /** Check boards with dt-validate as the app does (off unless a test is about it: it costs CPU). */
    bindings?: boolean;
    /** The labgrid-client of the installation to use and the identity to declare (test/support/labgrid-lab.ts's venv). */
    labgrid?: { client: string; identity: string };
  } = {},
): Promise<Workbench> {
  const staticDir = await buildRenderer();
  const sessionsDir = mkdtempSync(join(tmpdir(), 'bringup-e2e-sessions-'));
  const paths = { resourcesDir: join(repoRoot, 'resources'), sessionsDir };
  const checkBindings = opts.bindings ?? false;
  const lg = opts.labgrid ? { labgridClient: opts.labgrid.client, labgridIdentity: opts.labgrid.identity } : {};
  const services = opts.record ? createAppServices(paths, { checkBindings, ...lg }) : createWorkbenchServices({ ...paths, checkBindings, ...lg });
  const host = await startHost({ services, staticDir });
  const browser = await launchChromium(opts.viewport);
  await browser.page.goto(`${host.pageUrl}${opts.query ?? ''}`);
  await browser.page.waitForSelector('[data-testid=probe-board]');
  return {
    services,
    host,
    browser,
    page: browser.page,
    async close() {
      await browser.close();
      await host.close();
      await services.dispose();
      rmSync(sessionsDir, { recursive: true, force: true });
    },
  };
}

export interface PtyPair {
  /** The end the app connects to. */
  appPath: string;
  /** The end the test writes into (the "board"). */
  boardPath: string;
  /** Writes bytes into the board end, `chunk` bytes at a time with `gapMs` between (a serial line's pace). */
  play(bytes: Uint8Array, chunk?: number, gapMs?: number): Promise<void>;
  /** Everything the app has sent to the board end so far. */
  received(): Buffer;
  close(): Promise<void>;
}

export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'bringup-pty-'));
  const appPath = join(dir, 'app');
  const boardPath = join(dir, 'board');
  const socat: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${boardPath}`, `pty,raw,echo=0,link=${appPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  socat.stderr!.resume();
  const t0 = Date.now();
  while (!(existsSync(appPath) && existsSync(boardPath))) {
    if (socat.exitCode !== null) throw new Error('socat exited');
    if (Date.now() - t0 > 10_000) throw new Error('socat made no ptys');
    await new Promise((r) => setTimeout(r, 20));
  }
  const fd = openSync(boardPath, 'r+');
  const got: Buffer[] = [];
  // A tty handle (non-blocking, event driven), not fs.read on a threadpool thread that a pty would block.
  const reader = new ReadStream(fd);
  reader.setRawMode(true);
  reader.on('data', (b: Buffer) => got.push(b));
  reader.on('error', () => undefined);
  return {
    appPath,
    boardPath,
    async play(bytes, chunk = 512, gapMs = 2) {
      for (let i = 0; i < bytes.length; i += chunk) {
        const part = bytes.subarray(i, i + chunk);
        let off = 0;
        while (off < part.length) {
          try {
            off += writeSync(fd, part, off);
          } catch (e) {
            // The fd is non-blocking (the tty reader made it so): a full pty buffer says EAGAIN; wait for the app to drain it.
            if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    },
    received: () => Buffer.concat(got),
    async close() {
      reader.destroy();
      if (socat.exitCode === null) {
        socat.kill('SIGTERM');
        await new Promise((r) => socat.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Connects the app to `target` through the connect bar, as a user would. */
export async function connectTo(page: Page, target: string): Promise<void> {
  await page.fill('[data-testid=target]', target);
  await page.click('[data-testid=connect]');
  await page.waitForSelector('[data-testid=status][data-state=connected]', { timeout: 15_000 });
}

/** Opens a board through the connect bar's "Open board…" form. */
export async function openBoard(page: Page, path: string, opts: { kernel?: string; config?: string } = {}): Promise<void> {
  const kernel = opts.kernel ?? '6.1';
  await page.click('[data-testid=open-board]');
  await page.fill('[data-testid=board-path]', path);
  await page.fill('[data-testid=board-includes]', '');
  await page.fill('[data-testid=board-config]', opts.config ?? '');
  await page.selectOption('.board-form select', kernel);
  await page.click('[data-testid=board-open]');
  await page.waitForSelector('.board-form', { state: 'detached', timeout: 20_000 });
}
