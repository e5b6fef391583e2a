// A real serial line cut mid-stream: a socat pty pair carries a real boot log into the product's
// DeviceTransport (serialport), whose bytes go through the session service's ByteRecorder (the sink
// the serial service calls).
// socat is SIGKILLed mid-stream and restarted; the recording must hold exactly what the reader received,
// on disk by the time the loss is marked, and (for a clean cut) exactly what was sent.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionAssembler, decodeSession } from '../../engine/session';
import { createSessionService } from '../../electron/services/sessions';
import { EventHub } from '../../electron/services/events';
import { DeviceTransport } from '../../electron/services/serial/device-transport';
import type { SerialSettings, SessionSummary } from '../../electron/common/contract';
import { bootLogStream } from '../support/session-stream';
import { requireSystem } from '../../scripts/lib/system';

requireSystem('socat');

const dir = mkdtempSync(join(tmpdir(), 'bw-pty-'));
const boardEnd = join(dir, 'board'); // the test writes here, as the board's UART would
const hostEnd = join(dir, 'host'); // the workbench reads here
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
const SETTINGS: SerialSettings = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1, flowControl: 'none' };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function startSocat(): Promise<ChildProcess> {
  rmSync(boardEnd, { force: true });
  rmSync(hostEnd, { force: true });
  const p = spawn('socat', [`pty,raw,echo=0,link=${boardEnd}`, `pty,raw,echo=0,link=${hostEnd}`], { stdio: 'ignore' });
  children.add(p);
  p.once('exit', () => children.delete(p));
  await until('socat ptys', () => existsSync(boardEnd) && existsSync(hostEnd));
  return p;
}

async function kill(p: ChildProcess): Promise<void> {
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await gone;
}

/** The workbench side: the product's DeviceTransport (serialport) reopening the same path when it comes back. */
class Reader {
  received: Buffer[] = [];
  receivedBytes = 0;
  state: 'open' | 'lost' = 'lost';
  private line: DeviceTransport | null = null;
  private stopped = false;
  constructor(
    private readonly rec: ReturnType<typeof createSessionService>['recorder'],
    private readonly id: string,
  ) {}

  async open(first: boolean): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const line: DeviceTransport = new DeviceTransport(hostEnd, SETTINGS, {
        data: (b) => {
          this.received.push(Buffer.from(b));
          this.receivedBytes += b.length;
          this.rec.rx(this.id, b, Date.now());
        },
        lost: (why) => {
          if (this.line !== line) return;
          this.line = null;
          this.state = 'lost';
          this.rec.marker(this.id, 'lost', Date.now(), why);
          void this.open(false);
        },
      });
      try {
        await line.open();
      } catch {
        await sleep(20);
        continue;
      }
      this.line = line;
      this.state = 'open';
      if (!first) this.rec.marker(this.id, 'reconnect', Date.now(), hostEnd);
      return;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    const line = this.line;
    this.line = null;
    await line?.close();
  }
}

function send(bytes: Uint8Array, pace: number): Promise<number> {
  return (async () => {
    const fd = openSync(boardEnd, 'r+');
    let sent = 0;
    try {
      for (let i = 0; i < bytes.length; i += pace) {
        sent += writeSync(fd, bytes, i, Math.min(pace, bytes.length - i));
        if ((i / pace) % 8 === 0) await sleep(1);
      }
    } catch {
      // the line went away mid-write
    } finally {
      closeSync(fd);
    }
    return sent;
  })();
}

function recorded(path: string) {
  const { records, summary } = decodeSession(new Uint8Array(readFileSync(path)), path);
  const asm = new SessionAssembler();
  for (const r of records) asm.add(r);
  return { summary, rx: Buffer.concat(asm.data.chunks.filter((c) => c.dir === 'rx').map((c) => c.bytes)), markers: asm.data.markers.map((m) => m.kind) };
}

describe('socat pty killed and restarted mid-stream', () => {
  it('records every byte the reader received, on disk at the loss, and all that was sent', async () => {
    const events = new EventHub();
    const statuses: SessionSummary[] = [];
    events.on('sessionStatus', (s) => statuses.push(s));
    const service = createSessionService({ sessionsDir: join(dir, 'sessions'), events });
    const stream = bootLogStream(240 * 1024);
    const half = 120 * 1024 + 17; // inside a line
    let socat = await startSocat();
    const sessionId = service.recorder.begin('c1', { target: hostEnd, resolvedPath: hostEnd, settings: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1, flowControl: 'none' } }, Date.now());
    const reader = new Reader(service.recorder, 'c1');
    await reader.open(true);
    service.recorder.marker('c1', 'connect', Date.now(), hostEnd);

    expect(await send(stream.subarray(0, half), 256)).toBe(half);
    await until('phase 1 to arrive', () => reader.receivedBytes === half);
    await kill(socat);
    await until('the loss to be seen', () => reader.state === 'lost');
    // The loss marker is a durability point: every byte received before it is on disk now.
    const path = service.writerFor('c1')!.path;
    await until('the lost marker on disk', () => recorded(path).markers.includes('lost'));
    const atLoss = recorded(path);
    expect(atLoss.summary.tailLength).toBe(0);
    expect(atLoss.rx.length).toBe(half);
    expect(sha(atLoss.rx)).toBe(sha(stream.subarray(0, half)));

    socat = await startSocat();
    await until('the reader to reconnect', () => reader.state === 'open');
    expect(await send(stream.subarray(half), 256)).toBe(stream.length - half);
    await until('phase 2 to arrive', () => reader.receivedBytes === stream.length);
    await reader.close();
    service.recorder.marker('c1', 'disconnect', Date.now());
    service.recorder.end('c1', Date.now());
    await service.dispose();
    await kill(socat);

    const final = recorded(path);
    expect(final.summary.tailLength).toBe(0);
    expect(final.rx.length).toBe(stream.length);
    expect(sha(final.rx)).toBe(sha(stream));
    expect(sha(final.rx)).toBe(sha(Buffer.concat(reader.received)));
    expect(final.markers.filter((k) => k !== 'config')).toEqual(['connect', 'lost', 'reconnect', 'disconnect']);
    const listed = await service.listSessions();
    expect(listed.find((s) => s.sessionId === sessionId)).toMatchObject({ bytesReceived: stream.length, target: hostEnd });
    expect(statuses[0]!.sessionId).toBe(sessionId);
  }, 60_000);

  it('killed while bytes are in flight: the recording equals what the reader received', async () => {
    const service = createSessionService({ sessionsDir: join(dir, 'sessions2') });
    const stream = bootLogStream(400 * 1024);
    let socat = await startSocat();
    service.recorder.begin('c2', { target: hostEnd, resolvedPath: hostEnd, settings: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1, flowControl: 'none' } }, Date.now());
    const reader = new Reader(service.recorder, 'c2');
    await reader.open(true);
    const sending = send(stream, 64);
    await until('some bytes', () => reader.receivedBytes > 50_000);
    await kill(socat); // mid-write: socat's own buffer is lost with it, ours must not be
    const sentBeforeKill = await sending;
    await until('the loss to be seen', () => reader.state === 'lost');
    socat = await startSocat();
    await until('the reader to reconnect', () => reader.state === 'open');
    const rest = stream.subarray(sentBeforeKill);
    const expectAtLeast = reader.receivedBytes + rest.length;
    expect(await send(rest, 256)).toBe(rest.length);
    await until('the rest to arrive', () => reader.receivedBytes >= expectAtLeast);
    expect(reader.receivedBytes).toBeLessThanOrEqual(stream.length);
    await reader.close();
    service.recorder.end('c2', Date.now());
    const path = service.writerFor('c2')?.path ?? (await service.listSessions())[0]!.path;
    await service.dispose();
    await kill(socat);
    const final = recorded(path);
    const got = Buffer.concat(reader.received);
    expect(final.rx.length).toBe(got.length);
    expect(sha(final.rx)).toBe(sha(got));
    expect(final.rx.subarray(final.rx.length - rest.length).equals(Buffer.from(rest))).toBe(true);
    expect(final.markers).toEqual(['lost', 'reconnect']);
  }, 60_000);
});
