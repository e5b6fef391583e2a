// `bringup compare BOARD TARGET` over real consoles, in-process: the app's demo boot played into a socat
// pty pair and read back through a pty path, rfc2217:// (Debian's ser2net in front of the pty) and
// tcp:// (socat). The live verdicts equal those of `bringup compare` on the log file; --until matches the
// prompt still being printed; a console that never prints --until exits 3 with the boot compared so far;
// the session file keeps every byte; bad usage exits 2 before anything is opened.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import '../../cli/commands/index';
import { processIo, type CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import { freePort, ser2netRfc2217, socatPtyPair, socatTcpToPty, tempDir, waitFor, type Proc } from '../support/electron';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('socat', 'ser2net');

const DEMO = join(__dirname, '..', '..', 'resources', 'demo');
const BOARD = join(DEMO, 'board.dts');
const LOG = join(DEMO, 'boot.typescript');
const CONFIG = join(DEMO, 'config-6.1.0-57-arm64');
const PROMPT = '\r\n\r\nWelcome to the demo board\r\ndemo login: ';

interface Out {
  code: number;
  out: string;
  err: () => string;
}

function start(args: string[]): { done: Promise<Out>; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIo = { ...processIo(), stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
  const done = main(['compare', ...args], io).then((code) => ({ code, out, err: () => err }));
  return { done, err: () => err };
}

type Verdicts = Record<string, string>;
const verdicts = (json: string): Verdicts => Object.fromEntries((JSON.parse(json) as { comparison: { devices: { name: string; verdict: string }[] } }).comparison.devices.map((d) => [d.name, d.verdict]));

/** Board ends held open until the test ends: a pty pair whose last writer left may hang up early. */
const boardFds: number[] = [];

/** Plays `bytes` into the board end of the pty in pieces, once the CLI says it is recording. */
async function play(run: { err: () => string }, boardEnd: string, bytes: Uint8Array): Promise<void> {
  await waitFor('the console to open', () => run.err().includes('bringup compare: recording ') && existsSync(boardEnd), 30_000);
  const fd = openSync(boardEnd, 'r+');
  boardFds.push(fd);
  for (let o = 0; o < bytes.length; o += 1024) writeSync(fd, bytes, o, Math.min(1024, bytes.length - o));
}

describe('bringup compare over a live console', () => {
  const procs: Proc[] = [];
  afterEach(async () => {
    for (const fd of boardFds.splice(0)) closeSync(fd);
    for (const p of procs.splice(0).reverse()) await p.stop();
  });

  const fileVerdicts = async (): Promise<Verdicts> => {
    const r = await start([BOARD, LOG, '--config', CONFIG, '--json']).done;
    expect(r.code).toBe(0);
    return verdicts(r.out);
  };

  const consoles: { kind: string; open(dir: string): Promise<{ target: string; boardEnd: string }> }[] = [
    {
      kind: 'a pty path',
      async open(dir) {
        procs.push(await socatPtyPair(join(dir, 'console'), join(dir, 'board')));
        return { target: join(dir, 'console'), boardEnd: join(dir, 'board') };
      },
    },
    {
      kind: 'rfc2217:// (ser2net)',
      async open(dir) {
        procs.push(await socatPtyPair(join(dir, 'dut'), join(dir, 'board')));
        const port = await freePort();
        procs.push(await ser2netRfc2217(dir, port, join(dir, 'dut')));
        return { target: `rfc2217://127.0.0.1:${port}`, boardEnd: join(dir, 'board') };
      },
    },
    {
      kind: 'tcp:// (socat)',
      async open(dir) {
        const port = await freePort();
        procs.push(await socatTcpToPty(port, join(dir, 'board')));
        return { target: `tcp://127.0.0.1:${port}`, boardEnd: join(dir, 'board') };
      },
    },
  ];

  for (const c of consoles) {
    it(`${c.kind}: records to the --until prompt and gives the verdicts of the log file`, async () => {
      const dir = tempDir('bringup-live-');
      const { target, boardEnd } = await c.open(dir);
      const sessions = join(dir, 'sessions');
      const run = start([BOARD, target, '--config', CONFIG, '--until', 'login:', '--timeout', '120', '--sessions', sessions, '--json', '--junit', join(dir, 'live.xml')]);
      const log = readFileSync(LOG);
      await play(run, boardEnd, new Uint8Array(Buffer.concat([log, Buffer.from(PROMPT)])));
      const r = await run.done;
      expect(r.code, r.err()).toBe(0);
      const doc = JSON.parse(r.out);
      expect(doc.capture).toMatchObject({ end: 'until', until: 'login:', matched: 'demo login: ' });
      expect(doc.capture.bytesReceived).toBe(log.length + PROMPT.length);
      expect(doc.target).toBe(target);
      expect(verdicts(r.out)).toEqual(await fileVerdicts());
      expect(r.err()).toContain('matched --until: "demo login: "');
      expect(readFileSync(join(dir, 'live.xml'), 'utf8')).toContain('<testsuite name="bringup compare board.dts"');

      // The session file: every byte, the markers, the verdicts; compared again as a file, the same.
      expect(readdirSync(sessions)).toEqual([expect.stringMatching(/\.bwsession$/)]);
      let info = '';
      const infoIo: CliIo = { ...processIo(), stdout: (t) => void (info += t), stderr: () => {} };
      expect(await main(['session', 'info', doc.session], infoIo)).toBe(0);
      expect(info).toContain(`received   ${log.length + PROMPT.length} bytes`);
      expect(info).toMatch(/markers {4}connect, disconnect/);
      expect(info).toContain('annotations comparison');
      const text = join(dir, 'recorded.txt');
      expect(await main(['session', 'export', doc.session, '-f', 'text', '--timestamps', 'none', '-o', text], infoIo)).toBe(0);
      const again = await start([BOARD, text, '--config', CONFIG, '--json']).done;
      expect(verdicts(again.out)).toEqual(verdicts(r.out));
    }, 120_000);
  }

  it('exits 3 when --until never comes, with the boot recorded so far compared', async () => {
    const dir = tempDir('bringup-live-');
    procs.push(await socatPtyPair(join(dir, 'console'), join(dir, 'board')));
    const run = start([BOARD, join(dir, 'console'), '--config', CONFIG, '--until', 'never printed', '--timeout', '8', '--sessions', dir]);
    await play(run, join(dir, 'board'), new Uint8Array(readFileSync(LOG)));
    const r = await run.done;
    expect(r.code, r.err()).toBe(3);
    // The whole boot was recorded before the timeout: its comparison is the log file's.
    const file = await start([BOARD, LOG, '--config', CONFIG]).done;
    const summary = /^\d+ devices: .*$/m.exec(file.out)?.[0];
    expect(summary).toMatch(/ 0 mismatch/);
    expect(r.out).toContain(summary);
    expect(r.err()).toMatch(/no console line matched --until \/never printed\/ within 8 s; the comparison covers what was recorded \(\d+ bytes in \d+\.\d s, session .*\.bwsession\)/);
  }, 60_000);

  it('without --until, the capture ends at --timeout and the result is the comparison', async () => {
    const dir = tempDir('bringup-live-');
    procs.push(await socatPtyPair(join(dir, 'console'), join(dir, 'board')));
    const run = start([BOARD, join(dir, 'console'), '--config', CONFIG, '--timeout', '8', '--sessions', dir, '--json']);
    await play(run, join(dir, 'board'), new Uint8Array(readFileSync(LOG)));
    const r = await run.done;
    expect(r.code, r.err()).toBe(0);
    expect(JSON.parse(r.out).capture).toMatchObject({ end: 'timeout', until: null, matched: null });
  }, 60_000);

  it('refuses bad usage before opening anything, and says when a console cannot be opened', async () => {
    const dir = tempDir('bringup-live-');
    const port = await freePort();
    const usage = async (args: string[], message: string) => {
      const r = await start(args).done;
      expect(r.code).toBe(2);
      expect(r.err()).toContain(message);
    };
    await usage([BOARD, LOG, '--until', 'login:'], '--until needs a live console target');
    await usage([BOARD, LOG, '--power-cycle'], '--power-cycle needs a live console target');
    await usage([BOARD, `tcp://127.0.0.1:${port}`, '--power-cycle', '--sessions', dir], '--power-cycle needs a labgrid://COORDINATOR/PLACE target');
    await usage([BOARD, `tcp://127.0.0.1:${port}`, '--until', '(', '--sessions', dir], '--until: Invalid regular expression');
    await usage([BOARD, `tcp://127.0.0.1:${port}`, '--timeout', '0', '--sessions', dir], '--timeout takes a positive number');
    await usage([BOARD, `tcp://127.0.0.1:${port}`, '--sessions', dir], `bringup compare: cannot open tcp://127.0.0.1:${port}:`);
    // Nothing was recorded for a console that never opened.
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});
