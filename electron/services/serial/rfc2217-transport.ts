// An RFC 2217 client (telnet COM-PORT-OPTION, option 44), written from the RFC: negotiates
// BINARY/SGA and COM-PORT, then carries baud rate, data size, parity, stop size, flow control,
// DTR, RTS and BREAK to the access server (ser2net `accepter: telnet(rfc2217),tcp,…`), which applies
// them to its real serial device. Each setting waits for the server's reply (code + 100).
import type { SerialSettings, SignalState } from '../../common/contract';
import { TcpTransport } from './tcp-transport';
import {
  ComPort,
  comPortCommand,
  command,
  Control,
  DO,
  DONT,
  escapeIac,
  OPT_BINARY,
  OPT_COM_PORT,
  OPT_SGA,
  ParityCode,
  SERVER_REPLY_OFFSET,
  stopSizeCode,
  TelnetDecoder,
  u32be,
  WILL,
  WONT,
} from './telnet';
import { delay, type TransportHandlers } from './transport';

const REPLY_TIMEOUT_MS = 3000;
const SIGNAL_REPLY_TIMEOUT_MS = 800;

class NoReplyError extends Error {}
const SIGNATURE = 'bringup-workbench';

interface OptionState {
  /** We perform it (we said WILL and they said DO). */
  local: boolean;
  /** They perform it (they said WILL and we said DO). */
  remote: boolean;
  /** We asked and wait for the answer: an answer to our own request needs no reply. */
  localAsked: boolean;
  remoteAsked: boolean;
}

const LOCAL_OK = new Set([OPT_BINARY, OPT_SGA, OPT_COM_PORT]);
const REMOTE_OK = new Set([OPT_BINARY, OPT_SGA]);

export class Rfc2217Transport extends TcpTransport {
  private readonly options = new Map<number, OptionState>();
  private readonly waiters = new Map<number, { resolve: (v: Uint8Array) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[]>();
  private readonly decoder: TelnetDecoder;
  private comPortReady: { resolve: () => void; reject: (e: Error) => void } | null = null;
  /** Last modem state the server notified (CTS, DSR, RI, DCD bits, RFC 2217 NOTIFY-MODEMSTATE). */
  modemState = 0;

  constructor(host: string, port: number, handlers: TransportHandlers, private settings: SerialSettings) {
    super(host, port, handlers, 'rfc2217');
    this.decoder = new TelnetDecoder({
      data: (bytes) => handlers.data(bytes),
      negotiate: (verb, option) => this.onNegotiate(verb, option),
      subnegotiation: (option, payload) => this.onSubnegotiation(option, payload),
    });
  }

  private opt(option: number): OptionState {
    let s = this.options.get(option);
    if (!s) this.options.set(option, (s = { local: false, remote: false, localAsked: false, remoteAsked: false }));
    return s;
  }

  override async open(): Promise<void> {
    await super.open();
    const ready = new Promise<void>((resolve, reject) => (this.comPortReady = { resolve, reject }));
    const timeout = delay(REPLY_TIMEOUT_MS).then(() => {
      throw new Error(`${this.resolvedPath}: no answer to WILL COM-PORT-OPTION (is this a telnet RFC 2217 server?)`);
    });
    for (const o of [OPT_COM_PORT, OPT_BINARY, OPT_SGA]) {
      this.opt(o).localAsked = true;
      await this.send(command(WILL, o));
    }
    for (const o of [OPT_BINARY, OPT_SGA]) {
      this.opt(o).remoteAsked = true;
      await this.send(command(DO, o));
    }
    try {
      await Promise.race([ready, timeout]);
      await this.applySettings(this.settings);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  protected override receive(bytes: Uint8Array): void {
    this.decoder.push(bytes);
  }

  private onNegotiate(verb: number, option: number): void {
    const s = this.opt(option);
    const reply = (v: number) => void this.send(command(v, option)).catch(() => {});
    if (verb === DO) {
      const asked = s.localAsked;
      s.localAsked = false;
      if (!LOCAL_OK.has(option)) return reply(WONT);
      if (!s.local) {
        s.local = true;
        if (!asked) reply(WILL);
      }
      if (option === OPT_COM_PORT) this.comPortReady?.resolve();
    } else if (verb === DONT) {
      const asked = s.localAsked;
      s.localAsked = false;
      if (s.local || !asked) {
        if (s.local && !asked) reply(WONT);
        s.local = false;
      }
      if (option === OPT_COM_PORT) this.comPortReady?.reject(new Error(`${this.resolvedPath}: the server refuses COM-PORT-OPTION (RFC 2217)`));
    } else if (verb === WILL) {
      const asked = s.remoteAsked;
      s.remoteAsked = false;
      if (!REMOTE_OK.has(option)) return reply(DONT);
      if (!s.remote) {
        s.remote = true;
        if (!asked) reply(DO);
      }
      if (option === OPT_BINARY) this.decoder.peerBinary = true;
    } else if (verb === WONT) {
      const asked = s.remoteAsked;
      s.remoteAsked = false;
      if (s.remote) {
        s.remote = false;
        if (!asked) reply(DONT);
      }
      if (option === OPT_BINARY) this.decoder.peerBinary = false;
    }
  }

  private onSubnegotiation(option: number, payload: Uint8Array): void {
    if (option !== OPT_COM_PORT || payload.length === 0) return;
    const code = payload[0]!;
    const value = payload.subarray(1);
    if (code === ComPort.SIGNATURE + SERVER_REPLY_OFFSET && value.length === 0) {
      // The server asks who we are.
      void this.send(comPortCommand(ComPort.SIGNATURE, new TextEncoder().encode(SIGNATURE))).catch(() => {});
      return;
    }
    if (code === ComPort.NOTIFY_MODEMSTATE + SERVER_REPLY_OFFSET && value.length >= 1) this.modemState = value[0]!;
    const queue = this.waiters.get(code);
    const w = queue?.shift();
    if (w) {
      clearTimeout(w.timer);
      w.resolve(value);
    }
  }

  /** Sends one COM-PORT command and waits for the server's reply with the value it applied. */
  private request(code: number, value: Uint8Array, what: string, timeoutMs = REPLY_TIMEOUT_MS): Promise<Uint8Array> {
    const replyCode = code + SERVER_REPLY_OFFSET;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        const q = this.waiters.get(replyCode);
        const i = q?.findIndex((w) => w.timer === timer) ?? -1;
        if (q && i >= 0) q.splice(i, 1);
        reject(new NoReplyError(`${this.resolvedPath}: no reply to ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      let q = this.waiters.get(replyCode);
      if (!q) this.waiters.set(replyCode, (q = []));
      q.push({ resolve, reject, timer });
      this.send(comPortCommand(code, value)).catch((err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private control(value: number, what: string): Promise<Uint8Array> {
    return this.request(ComPort.SET_CONTROL, Uint8Array.of(value), what);
  }

  override write(bytes: Uint8Array): Promise<void> {
    let out = escapeIac(bytes);
    if (!this.opt(OPT_BINARY).local) out = padCr(out);
    return this.send(out);
  }

  /** The baud rate the server reported back after the last SET-BAUDRATE. */
  serverBaud: number | undefined;

  override async applySettings(s: SerialSettings): Promise<void> {
    const baud = await this.request(ComPort.SET_BAUDRATE, u32be(s.baudRate), `SET-BAUDRATE ${s.baudRate}`);
    if (baud.length >= 4) this.serverBaud = ((baud[0]! << 24) | (baud[1]! << 16) | (baud[2]! << 8) | baud[3]!) >>> 0;
    await this.request(ComPort.SET_DATASIZE, Uint8Array.of(s.dataBits), `SET-DATASIZE ${s.dataBits}`);
    await this.request(ComPort.SET_PARITY, Uint8Array.of(ParityCode[s.parity]), `SET-PARITY ${s.parity}`);
    await this.request(ComPort.SET_STOPSIZE, Uint8Array.of(stopSizeCode(s.stopBits)), `SET-STOPSIZE ${s.stopBits}`);
    const flow = s.flowControl === 'rtscts' ? Control.FLOW_HARDWARE : s.flowControl === 'xonxoff' ? Control.FLOW_XONXOFF : Control.FLOW_NONE;
    await this.control(flow, `SET-CONTROL flow ${s.flowControl}`);
    this.settings = s;
  }

  /**
   * A modem-line command the server may leave unanswered: ser2net sends no reply when its device
   * refuses the ioctl (a pty has no DTR/RTS). The command went out; say that it was not confirmed.
   */
  private async signal(value: number, what: string): Promise<string | undefined> {
    try {
      await this.request(ComPort.SET_CONTROL, Uint8Array.of(value), what, SIGNAL_REPLY_TIMEOUT_MS);
      return undefined;
    } catch (err) {
      if (err instanceof NoReplyError && this.socket) return `${what} sent, not confirmed by the server (its device may have no modem lines)`;
      throw err;
    }
  }

  override async setSignals(signals: SignalState): Promise<string | undefined> {
    const notes: string[] = [];
    if (signals.dtr !== undefined) notes.push((await this.signal(signals.dtr ? Control.DTR_ON : Control.DTR_OFF, `SET-CONTROL DTR ${signals.dtr ? 'on' : 'off'}`)) ?? '');
    if (signals.rts !== undefined) notes.push((await this.signal(signals.rts ? Control.RTS_ON : Control.RTS_OFF, `SET-CONTROL RTS ${signals.rts ? 'on' : 'off'}`)) ?? '');
    return notes.filter(Boolean).join('; ') || undefined;
  }

  override async sendBreak(ms: number): Promise<string | undefined> {
    const on = await this.signal(Control.BREAK_ON, 'SET-CONTROL BREAK on');
    await delay(ms);
    const off = await this.signal(Control.BREAK_OFF, 'SET-CONTROL BREAK off');
    return [on, off].filter(Boolean).join('; ') || undefined;
  }

  private failWaiters(reason: string): void {
    for (const q of this.waiters.values()) {
      for (const w of q.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error(`${this.resolvedPath}: ${reason}`));
      }
    }
  }

  protected override reportLost(reason: string): void {
    this.failWaiters(reason);
    this.comPortReady?.reject(new Error(`${this.resolvedPath}: ${reason}`));
    super.reportLost(reason);
  }

  override async close(): Promise<void> {
    this.failWaiters('closed');
    await super.close();
  }
}

/** Outside BINARY mode a bare CR must travel as CR NUL (RFC 854). */
function padCr(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    out.push(bytes[i]!);
    if (bytes[i] === 13 && bytes[i + 1] !== 10) out.push(0);
  }
  return Uint8Array.from(out);
}
