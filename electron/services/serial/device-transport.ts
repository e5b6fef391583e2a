// A local tty or pty through serialport 13 (@serialport/bindings-cpp, Linux termios + ioctl). Unplug
// shows as the port's close event with `disconnected`: the read fails with EIO (n_tty_read, the other
// end of a pty closed) or reads end-of-file (a hung-up tty; ./hangup-binding.ts). A pty has no modem lines: TIOCMSET answers ENOTTY
// and TIOCSBRK does nothing (tty_io.c: no break_ctl), so on a pty those calls succeed with a note.
import { SerialPort } from 'serialport';
import type { SerialSettings, SignalState } from '../../common/contract';
import { isPty } from '../ports';
import { hangupAwareBinding } from './hangup-binding';
import { delay, type LineTransport, type TransportHandlers } from './transport';

function portOptions(path: string, s: SerialSettings) {
  return {
    path,
    binding: hangupAwareBinding,
    baudRate: s.baudRate,
    dataBits: s.dataBits,
    parity: s.parity,
    stopBits: s.stopBits,
    rtscts: s.flowControl === 'rtscts',
    xon: s.flowControl === 'xonxoff',
    xoff: s.flowControl === 'xonxoff',
    hupcl: false, // closing must not drop DTR: many boards wire DTR to reset
    autoOpen: false,
  } as const;
}

function sameFraming(a: SerialSettings, b: SerialSettings): boolean {
  return a.dataBits === b.dataBits && a.parity === b.parity && a.stopBits === b.stopBits && a.flowControl === b.flowControl;
}

export class DeviceTransport implements LineTransport {
  private port: SerialPort | null = null;
  private closing = false;
  private lostReported = false;
  private signals = { dtr: true, rts: true };
  readonly resolvedPath: string;
  private readonly pty: boolean;

  constructor(
    private readonly path: string,
    private settings: SerialSettings,
    private readonly handlers: TransportHandlers,
  ) {
    this.resolvedPath = path;
    this.pty = isPty(path);
  }

  async open(): Promise<void> {
    const port = new SerialPort(portOptions(this.path, this.settings));
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    this.attach(port);
  }

  private attach(port: SerialPort): void {
    this.port = port;
    port.on('data', (chunk: Buffer) => this.handlers.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.port !== port || this.closing) return;
      this.reportLost(err?.message ?? 'the device closed');
    });
    port.on('error', (err: Error) => {
      if (this.port !== port || this.closing) return;
      this.reportLost(err.message);
    });
  }

  private reportLost(reason: string): void {
    if (this.lostReported) return;
    this.lostReported = true;
    this.port = null;
    this.handlers.lost(reason);
  }

  private requirePort(): SerialPort {
    if (!this.port) throw new Error(`${this.path} is not open`);
    return this.port;
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.requirePort();
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => (err ? reject(err) : resolve()));
    });
    await new Promise<void>((resolve, reject) => port.drain((err) => (err ? reject(err) : resolve())));
  }

  async applySettings(next: SerialSettings): Promise<void> {
    const port = this.requirePort();
    if (sameFraming(this.settings, next)) {
      await new Promise<void>((resolve, reject) => port.update({ baudRate: next.baudRate }, (err) => (err ? reject(err) : resolve())));
      this.settings = next;
      return;
    }
    // serialport changes only the baud rate in place; framing and flow control need a reopen.
    this.closing = true;
    await new Promise<void>((resolve) => port.close(() => resolve()));
    this.port = null;
    this.closing = false;
    this.settings = next;
    await this.open();
  }

  private async set(flags: { dtr: boolean; rts: boolean; brk: boolean }): Promise<string | undefined> {
    const port = this.requirePort();
    try {
      await new Promise<void>((resolve, reject) => port.set(flags, (err) => (err ? reject(err) : resolve())));
      return undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (this.pty && /Inappropriate ioctl/i.test(message)) return 'pty: no modem-control lines (TIOCMSET is ENOTTY; BREAK is a no-op)';
      throw err;
    }
  }

  async setSignals(signals: SignalState): Promise<string | undefined> {
    const next = { dtr: signals.dtr ?? this.signals.dtr, rts: signals.rts ?? this.signals.rts };
    const note = await this.set({ ...next, brk: false });
    this.signals = next;
    return note;
  }

  async sendBreak(ms: number): Promise<string | undefined> {
    const note = await this.set({ ...this.signals, brk: true });
    await delay(ms);
    return (await this.set({ ...this.signals, brk: false })) ?? note;
  }

  async close(): Promise<void> {
    const port = this.port;
    this.closing = true;
    this.port = null;
    if (!port || !port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
