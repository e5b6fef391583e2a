// QEMU on a pty for the end-to-end tests, paused (-S) until the app has opened the port, resumed by
// the monitor's `cont`. Uses the lab's own boot recipe (test/lab/board.ts prepareBoot); reads the pty
// path from stdout as well as stderr, since QEMU 7+ prints "char device redirected to" on stdout
// (test/lab/board.ts startBoardOnPty looks at stderr only).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareBoot, QEMU, type Scenario } from '../../lab/board';

export interface PtyBoard {
  path: string;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

function monitor(sock: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = createConnection(sock);
    let sent = false;
    c.on('data', (d) => {
      if (!sent && d.toString().includes('(qemu)')) {
        sent = true;
        c.write(`${command}\n`);
        setTimeout(() => c.end(), 100);
      }
    });
    c.on('close', () => (sent ? resolve() : reject(new Error(`monitor closed before ${command}`))));
    c.on('error', reject);
  });
}

export async function startPtyBoard(s: Scenario): Promise<PtyBoard> {
  const prep = prepareBoot(s);
  const work = mkdtempSync(join(tmpdir(), 'e2e-pty-'));
  const sock = join(work, 'monitor.sock');
  const argv = [...prep.argv, '-display', 'none', '-S', '-monitor', `unix:${sock},server=on,wait=off`, '-serial', 'pty'];
  const child = spawn(QEMU, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, QEMU_AUDIO_DRV: 'none' } });
  let out = '';
  let path: string | null = null;
  const look = (b: Buffer) => {
    out += b.toString();
    path ??= /char device redirected to (\/dev\/pts\/\d+)/.exec(out)?.[1] ?? null;
  };
  child.stdout!.on('data', look);
  child.stderr!.on('data', look);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const t0 = Date.now();
  while (!(path && existsSync(sock))) {
    if (child.exitCode !== null || Date.now() - t0 > 20_000) {
      child.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
      throw new Error(`qemu gave no pty:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    path: path!,
    resume: () => monitor(sock, 'cont'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(work, { recursive: true, force: true });
    },
  };
}
