// `bringup session` as users run it (the bundled CLI in a child process): import other tools'
// captures, export a bundle and import it back identical, replay through a real pty pair into a
// serialport reader byte for byte, and the exit codes for bad usage and unreadable or unsafe input.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, describe, expect, it } from 'vitest';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('socat');

const root = new URL('../../', import.meta.url).pathname;
const captures = new URL('../fixtures/bootlog/captures/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bringup(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'bringup.mjs'), 'session', ...args], { cwd: dir, encoding: 'buffer', maxBuffer: 64 << 20 });
}

describe('bringup session', () => {
  it('imports captures, round-trips a bundle, and exports every format', () => {
    for (const f of ['plain.log', 'tio.log', 'grabserial.log', 'minicom.log', 'lava.yaml.log']) {
      const s = join(dir, `${f}.bwsession`);
      const r = bringup('import', join(captures, f), '-o', s);
      expect(r.status, r.stderr.toString()).toBe(0);
      expect(r.stdout.toString()).toMatch(/bytes received/);
      const b = join(dir, `${f}.bwbundle`);
      expect(bringup('export', s, '-f', 'bundle', '-o', b).status).toBe(0);
      const back = join(dir, `${f}.back.bwsession`);
      expect(bringup('import', b, '-o', back).status).toBe(0);
      expect(readFileSync(back).equals(readFileSync(s))).toBe(true);
      const text = bringup('export', b, '-f', 'text', '--timestamps', 'none').stdout.toString();
      const plain = readFileSync(join(captures, 'plain.log'), 'utf8').replace(/\r/g, '');
      expect(text.split('\n').filter((l) => !l.startsWith('--- ')).join('\n')).toBe(plain);
      for (const fmt of ['json', 'html', 'junit']) expect(bringup('export', s, '-f', fmt).status).toBe(0);
    }
  }, 120_000);

  it('replays into a pty pair at recorded pace, byte for byte', async () => {
    const session = join(dir, 'tio.log.bwsession');
    expect(existsSync(session)).toBe(true);
    const a = join(dir, 'pa');
    const b = join(dir, 'pb');
    const socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
    try {
      while (!existsSync(a) || !existsSync(b)) await new Promise((r) => setTimeout(r, 10));
      const port = new SerialPort({ path: b, baudRate: 115200 });
      const got: Buffer[] = [];
      port.on('data', (d: Buffer) => got.push(d));
      await new Promise((r) => port.once('open', r));
      const started = Date.now();
      const r = spawnSync(process.execPath, [join(root, 'bin', 'bringup.mjs'), 'session', 'replay', session, '--to', a, '--speed', '200'], { cwd: dir });
      const took = Date.now() - started;
      expect(r.status, r.stderr.toString()).toBe(0);
      const want = readFileSync(join(captures, 'tio.log'), 'utf8').replace(/^\[[0-9:.]+\] /gm, '');
      while (Buffer.concat(got).length < Buffer.byteLength(want)) await new Promise((res) => setTimeout(res, 10));
      expect(Buffer.concat(got).toString()).toBe(want);
      expect(took).toBeGreaterThan(250); // ~59 s of recorded time at 200× is ~0.3 s: paced, not dumped
      await new Promise<void>((res) => port.close(() => res()));
    } finally {
      socat.kill('SIGKILL');
    }
  }, 60_000);

  it('exits 2 on bad usage and 1 on unreadable or unsafe input', () => {
    expect(bringup('export', join(dir, 'tio.log.bwsession')).status).toBe(2);
    expect(bringup('frobnicate', 'x').status).toBe(2);
    const notSession = bringup('info', join(captures, 'plain.log'));
    expect(notSession.status).toBe(1);
    expect(notSession.stderr.toString()).toMatch(/not a session file/);
    expect(bringup('info', join(dir, 'missing.bwsession')).status).toBe(1);
    const work = join(dir, 'evil');
    mkdirSync(work);
    writeFileSync(join(work, 'manifest.json'), '{}');
    const evil = join(dir, 'evil.tgz');
    spawnSync('tar', ['--format=ustar', '-czf', evil, '-C', work, '--transform=s,^manifest.json,../../manifest.json,', 'manifest.json']);
    const r = bringup('import', evil, '-o', join(dir, 'evil.bwsession'));
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toMatch(/path traversal/);
    expect(existsSync(join(dir, 'evil.bwsession'))).toBe(false);
  }, 60_000);
});
