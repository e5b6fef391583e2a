// The browser-mode launcher, as an attack: command lines are public (`ps`, /proc/<pid>/cmdline), so what the browser
// mode hands to xdg-open (and so to the browser's command line) must not be the token. A real
// `xdg-open` script first on PATH records its own /proc/self/cmdline; the code it got works once.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHost } from '../../electron/host/main';
import type { RunningHost } from '../../electron/host/server';
import type { WorkbenchServices } from '../../electron/services';
import { tempDir, waitFor } from '../support/electron';

let running: { host: RunningHost; services: WorkbenchServices } | undefined;
const saved = { PATH: process.env.PATH, DISPLAY: process.env.DISPLAY, BRINGUP_NO_OPEN: process.env.BRINGUP_NO_OPEN };

afterAll(async () => {
  await running?.host.close();
  await running?.services.dispose();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('the browser-mode launcher', () => {
  it('puts a single-use launch code on command lines and prints no token (F2)', async () => {
    const bin = tempDir('bringup-opener-');
    const seen = join(bin, 'cmdline');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\ntr '\\0' ' ' < /proc/$$/cmdline > ${seen}.tmp && mv ${seen}.tmp ${seen}\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    process.env.PATH = `${bin}:${process.env.PATH}`;
    process.env.DISPLAY = ':0';
    delete process.env.BRINGUP_NO_OPEN;
    const printed: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void printed.push(a.join(' '));
    try {
      running = await runHost({ port: 0, dev: false, demo: true, open: true, root: tempDir('bringup-root-') });
    } finally {
      console.log = log;
    }
    const { host } = running;
    const cmdline = await waitFor('xdg-open to run', () => existsSync(seen) && readFileSync(seen, 'utf8'));
    expect(cmdline).toContain(`http://127.0.0.1:${host.port}/`);
    expect(cmdline).not.toContain(host.token);
    expect(printed.join('\n')).not.toContain(host.token);
    const code = /[?&]launch=([0-9a-f]+)/.exec(cmdline)![1]!;
    const redeem = () => fetch(`${host.url}launch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-workbench-launch': code }, body: '{}' });
    const first = await redeem();
    expect(((await first.json()) as { token: string }).token).toBe(host.token);
    // Whoever read it from `ps` after the browser did gets nothing.
    expect((await redeem()).status).toBe(403);
  }, 60_000);
});
