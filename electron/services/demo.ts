// The bundled demo board: a DTS and a real boot log recorded with `script --timing` (util-linux
// scriptreplay's two formats: classic "<delay> <bytes>" lines, or advanced "O <delay> <bytes>" with
// I/H/S entries), played at its real pace through a virtual serial line. With socat, a real pty pair
// (the board writes into one end, the app opens the other like any tty); without, an in-process line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { BoardOpenRequest, SerialSettings } from '../common/contract';
import { DEMO_TARGET } from './ports';
import type { DemoLineHandle, DemoLineProvider } from './serial/connections';
import { delay, type LineTransport, type TransportHandlers } from './serial/transport';

export interface TimedChunk {
  /** Seconds to wait before this chunk, as recorded. */
  delay: number;
  bytes: Uint8Array;
}

/** Splits a typescript by its timing file into chunks; the `Script started on …` header is skipped. */
export function parseScriptReplay(typescript: Uint8Array, timing: string): TimedChunk[] {
  let offset = 0;
  if (startsWith(typescript, 'Script started on')) {
    const nl = typescript.indexOf(10);
    offset = nl < 0 ? typescript.length : nl + 1;
  }
  const chunks: TimedChunk[] = [];
  let pending = 0;
  for (const raw of timing.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const f = line.split(/\s+/);
    let d: number;
    let n: number;
    let output = true;
    if (/^[A-Z]$/.test(f[0]!)) {
      // advanced format: only O(utput) entries carry typescript bytes
      if (f[0] === 'H' || f[0] === 'S') continue;
      d = Number(f[1]);
      n = Number(f[2]);
      output = f[0] === 'O';
    } else {
      d = Number(f[0]);
      n = Number(f[1]);
    }
    if (!Number.isFinite(d) || !Number.isInteger(n) || n < 0) continue;
    if (!output) {
      pending += d;
      continue;
    }
    if (offset >= typescript.length) break;
    const bytes = typescript.subarray(offset, Math.min(offset + n, typescript.length));
    offset += bytes.length;
    chunks.push({ delay: Math.max(0, d + pending), bytes });
    pending = 0;
  }
  return chunks;
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Plays chunks on an absolute schedule (no drift from timer lateness); `speed` > 1 plays faster. */
export class Player {
  private stopped = false;
  constructor(
    private readonly chunks: TimedChunk[],
    private readonly sink: (bytes: Uint8Array) => Promise<void> | void,
    private readonly speed = 1,
  ) {}

  async run(): Promise<void> {
    const start = performance.now();
    let at = 0;
    for (const c of this.chunks) {
      at += (c.delay * 1000) / this.speed;
      const wait = start + at - performance.now();
      if (wait > 0) await delay(wait);
      if (this.stopped) return;
      await this.sink(c.bytes);
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

export interface DemoFiles {
  dts: string;
  typescript: string;
  timing: string;
  config?: string;
  /** `modules`: one module name per line, in the order the recording's /init loaded them. */
  modules?: string;
  dir: string;
}

export function findDemoFiles(resourcesDir: string): DemoFiles | undefined {
  const dir = join(resourcesDir, 'demo');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const dts = names.includes('board.dts') ? 'board.dts' : names.find((n) => n.endsWith('.dts'));
  if (!dts || !names.includes('boot.typescript') || !names.includes('boot.timing')) return undefined;
  const config = names.find((n) => n === 'config' || n.startsWith('config-') || n === '.config');
  return {
    dir,
    dts: join(dir, dts),
    typescript: join(dir, 'boot.typescript'),
    timing: join(dir, 'boot.timing'),
    ...(config ? { config: join(dir, config) } : {}),
    ...(names.includes('modules') ? { modules: join(dir, 'modules') } : {}),
  };
}

export function haveSocat(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export interface DemoServiceOptions {
  resourcesDir: string;
  /** Force the in-process line even where socat exists (tests of that path). */
  useSocat?: boolean;
  /** Play faster than recorded (tests). */
  speed?: number;
}

export class DemoService implements DemoLineProvider {
  constructor(private readonly opts: DemoServiceOptions) {}

  private files(): DemoFiles {
    const f = findDemoFiles(this.opts.resourcesDir);
    if (!f) throw new Error(`the demo board is not bundled (${join(this.opts.resourcesDir, 'demo')} needs a .dts, boot.typescript and boot.timing)`);
    return f;
  }

  board(): { board: BoardOpenRequest; target: string } {
    const f = this.files();
    const includeDirs = [f.dir, join(f.dir, 'include')].filter((d) => existsSync(d));
    const board: BoardOpenRequest = { path: f.dts, includeDirs, defines: {}, kernel: '6.1', watch: false };
    if (f.config) board.configPath = f.config;
    if (f.modules) board.modulesLoaded = readFileSync(f.modules, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    return { board, target: DEMO_TARGET };
  }

  chunks(): TimedChunk[] {
    const f = this.files();
    return parseScriptReplay(new Uint8Array(readFileSync(f.typescript)), readFileSync(f.timing, 'utf8'));
  }

  async open(connectionId: string, _settings: SerialSettings): Promise<DemoLineHandle> {
    const chunks = this.chunks();
    const useSocat = this.opts.useSocat ?? haveSocat();
    if (useSocat) return openSocatLine(connectionId, chunks, this.opts.speed ?? 1);
    return { create: (handlers) => new InProcessDemoLine(chunks, handlers, this.opts.speed ?? 1), release: async () => {} };
  }
}

/** A pty pair from socat: the player writes the log into the board end; the app opens the host end. */
async function openSocatLine(connectionId: string, chunks: TimedChunk[], speed: number): Promise<DemoLineHandle> {
  const dir = mkdtempSync(join(tmpdir(), `bringup-demo-`));
  const boardEnd = join(dir, 'board');
  const hostEnd = join(dir, 'tty');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${boardEnd}`, `pty,raw,echo=0,link=${hostEnd}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(existsSync(boardEnd) && existsSync(hostEnd)); i++) await delay(20);
  if (!existsSync(hostEnd)) {
    socat.kill();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`socat did not create the demo pty pair for ${connectionId}`);
  }
  const board = new SerialPort({ path: boardEnd, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => board.open((err) => (err ? reject(err) : resolve())));
  board.on('data', () => {}); // what the user types reaches the "board" and is dropped, like a board still booting
  board.on('error', () => {});
  const player = new Player(chunks, (bytes) => new Promise<void>((resolve) => board.write(Buffer.from(bytes), () => board.drain(() => resolve()))), speed);
  // Start once the host end is open: give the connection manager a moment, then play.
  const started = delay(300).then(() => player.run()).catch(() => {});
  return {
    path: hostEnd,
    release: async () => {
      player.stop();
      await started;
      await new Promise<void>((resolve) => (board.isOpen ? board.close(() => resolve()) : resolve()));
      socat.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The demo line without socat: the same log, the same pace, no OS device in between. */
class InProcessDemoLine implements LineTransport {
  readonly resolvedPath = 'demo:in-process';
  private player: Player | null = null;

  constructor(
    private readonly chunks: TimedChunk[],
    private readonly handlers: TransportHandlers,
    private readonly speed: number,
  ) {}

  async open(): Promise<void> {
    this.player = new Player(this.chunks, (bytes) => this.handlers.data(bytes), this.speed);
    void this.player.run();
  }

  async write(_bytes: Uint8Array): Promise<void> {}
  async applySettings(_settings: SerialSettings): Promise<void> {}
  async setSignals(): Promise<string | undefined> {
    return 'demo line: no modem-control lines';
  }
  async sendBreak(): Promise<string | undefined> {
    return 'demo line: BREAK ignored';
  }
  async close(): Promise<void> {
    this.player?.stop();
  }
}
