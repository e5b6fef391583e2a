// Real parts for the main-process tests: socat pty pairs with stable `link=` paths, ser2net with a
// generated YAML config, free loopback ports, and polling helpers. Every process started here is
// stopped by its own pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'bringup-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000, stepMs = 20): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface Proc {
  child: ChildProcess;
  stop(): Promise<void>;
}

function track(child: ChildProcess): Proc {
  let exited = child.exitCode !== null;
  const done = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  return {
    child,
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
      if (!exited) child.kill('SIGKILL');
      await done;
    },
  };
}

/** `socat pty,link=A pty,link=B`: two ptys joined back to back, both paths stable across restarts. */
export async function socatPtyPair(a: string, b: string): Promise<Proc> {
  const child = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  const p = track(child);
  await waitFor(`socat links ${a} ${b}`, () => existsSync(a) && existsSync(b));
  return p;
}

/** `socat TCP-LISTEN:port pty,link=A`: a raw TCP serial server in front of a pty. */
export async function socatTcpToPty(port: number, ptyLink: string): Promise<Proc> {
  const child = spawn('socat', [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`, `pty,raw,echo=0,link=${ptyLink}`], { stdio: 'ignore' });
  const p = track(child);
  await waitFor(`socat listening on ${port}`, () => listening(port));
  return p;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Something accepts TCP connections on 127.0.0.1:port. */
export function listening(port: number): boolean {
  const r = spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.trim().length > 0;
  return spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { stdio: 'ignore' }).status === 0;
}

/** ser2net serving `device` over telnet RFC 2217 on 127.0.0.1:port. */
export async function ser2netRfc2217(dir: string, port: number, device: string): Promise<Proc> {
  const config = join(dir, 'ser2net.yaml');
  writeFileSync(
    config,
    [
      '%YAML 1.1',
      '---',
      'connection: &board',
      `  accepter: telnet(rfc2217),tcp,127.0.0.1,${port}`,
      `  connector: serialdev,${device},115200n81,local`,
      '  options:',
      '    kickolduser: true',
      '',
    ].join('\n'),
  );
  const child = spawn('ser2net', ['-n', '-d', '-c', config, '-P', join(dir, 'ser2net.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const p = track(child);
  await waitFor(`ser2net on ${port} (${stderr})`, () => listening(port));
  return p;
}

/** The termios speed of a tty, read by stty as any shell would. */
export function sttySpeed(device: string): number {
  const r = spawnSync('stty', ['-F', device, 'speed'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stty -F ${device}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

export function stty(device: string): string {
  const r = spawnSync('stty', ['-F', device, '-a'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stty -F ${device}: ${r.stderr}`);
  return r.stdout;
}
