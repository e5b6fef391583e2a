// Telnet framing for RFC 2217 (RFC 854 commands and option negotiation, RFC 855 subnegotiation,
// RFC 856 BINARY, RFC 858 SUPPRESS-GO-AHEAD, RFC 2217 COM-PORT-OPTION codes). A streaming decoder:
// chunks may split anywhere, including inside IAC sequences and subnegotiations; byte 255 in data
// and inside subnegotiation payloads travels doubled (IAC IAC) both ways.
export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const SE = 240;

export const OPT_BINARY = 0;
export const OPT_ECHO = 1;
export const OPT_SGA = 3;
export const OPT_COM_PORT = 44;

/** RFC 2217 client-to-server command codes; the server answers with the same code + 100. */
export const ComPort = {
  SIGNATURE: 0,
  SET_BAUDRATE: 1,
  SET_DATASIZE: 2,
  SET_PARITY: 3,
  SET_STOPSIZE: 4,
  SET_CONTROL: 5,
  NOTIFY_LINESTATE: 6,
  NOTIFY_MODEMSTATE: 7,
  FLOWCONTROL_SUSPEND: 8,
  FLOWCONTROL_RESUME: 9,
  SET_LINESTATE_MASK: 10,
  SET_MODEMSTATE_MASK: 11,
  PURGE_DATA: 12,
} as const;
export const SERVER_REPLY_OFFSET = 100;

/** SET-CONTROL values (RFC 2217 §3, "SET-CONTROL"). */
export const Control = {
  FLOW_NONE: 1,
  FLOW_XONXOFF: 2,
  FLOW_HARDWARE: 3,
  BREAK_ON: 5,
  BREAK_OFF: 6,
  DTR_ON: 8,
  DTR_OFF: 9,
  RTS_ON: 11,
  RTS_OFF: 12,
} as const;

/** SET-PARITY values. */
export const ParityCode = { none: 1, odd: 2, even: 3, mark: 4, space: 5 } as const;
/** SET-STOPSIZE values: 1.5 stop bits is 3. */
export function stopSizeCode(stopBits: 1 | 1.5 | 2): number {
  return stopBits === 1 ? 1 : stopBits === 2 ? 2 : 3;
}

/** Doubles every 255 so the peer reads it as data, not as a command. */
export function escapeIac(bytes: Uint8Array): Uint8Array {
  let count = 0;
  for (const b of bytes) if (b === IAC) count++;
  if (count === 0) return bytes;
  const out = new Uint8Array(bytes.length + count);
  let j = 0;
  for (const b of bytes) {
    out[j++] = b;
    if (b === IAC) out[j++] = IAC;
  }
  return out;
}

export function command(verb: number, option: number): Uint8Array {
  return Uint8Array.of(IAC, verb, option);
}

export function subnegotiation(option: number, payload: Uint8Array): Uint8Array {
  const body = escapeIac(payload);
  const out = new Uint8Array(body.length + 5);
  out.set([IAC, SB, option], 0);
  out.set(body, 3);
  out.set([IAC, SE], body.length + 3);
  return out;
}

export function comPortCommand(code: number, value: Uint8Array): Uint8Array {
  const payload = new Uint8Array(value.length + 1);
  payload[0] = code;
  payload.set(value, 1);
  return subnegotiation(OPT_COM_PORT, payload);
}

export function u32be(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export interface TelnetSink {
  data(bytes: Uint8Array): void;
  negotiate(verb: number, option: number): void;
  subnegotiation(option: number, payload: Uint8Array): void;
}

const enum State {
  Data,
  Iac,
  Verb,
  SbOption,
  Sb,
  SbIac,
  /** After a CR from a peer not in BINARY: a NUL here is padding (RFC 854 "CR NUL"). */
  Cr,
}

/** Subnegotiations longer than this are garbage, not a COM-PORT reply: drop rather than grow. */
const MAX_SB = 4096;

export class TelnetDecoder {
  private state = State.Data;
  private verb = 0;
  private sbOption = 0;
  private sb: number[] = [];
  /** The peer sends in BINARY mode: CR is data, never followed by NUL padding. */
  peerBinary = false;

  constructor(private readonly sink: TelnetSink) {}

  push(chunk: Uint8Array): void {
    const out: number[] = [];
    const flush = () => {
      if (out.length) {
        this.sink.data(Uint8Array.from(out));
        out.length = 0;
      }
    };
    for (const b of chunk) {
      switch (this.state) {
        case State.Cr:
        case State.Data:
          // After a CR from a non-BINARY peer, a NUL is padding: CR NUL is a bare CR.
          if (this.state === State.Cr) {
            this.state = State.Data;
            if (b === 0) break;
          }
          if (b === IAC) this.state = State.Iac;
          else {
            out.push(b);
            if (b === 13 && !this.peerBinary) this.state = State.Cr;
          }
          break;
        case State.Iac:
          if (b === IAC) {
            out.push(IAC);
            this.state = State.Data;
          } else if (b === WILL || b === WONT || b === DO || b === DONT) {
            this.verb = b;
            this.state = State.Verb;
          } else if (b === SB) {
            this.state = State.SbOption;
          } else {
            this.state = State.Data; // NOP, GA, DM, AYT...: nothing a serial console needs
          }
          break;
        case State.Verb:
          flush();
          this.sink.negotiate(this.verb, b);
          this.state = State.Data;
          break;
        case State.SbOption:
          this.sbOption = b;
          this.sb = [];
          this.state = State.Sb;
          break;
        case State.Sb:
          if (b === IAC) this.state = State.SbIac;
          else if (this.sb.length < MAX_SB) this.sb.push(b);
          break;
        case State.SbIac:
          if (b === IAC) {
            if (this.sb.length < MAX_SB) this.sb.push(IAC);
            this.state = State.Sb;
          } else if (b === SE) {
            flush();
            this.sink.subnegotiation(this.sbOption, Uint8Array.from(this.sb));
            this.sb = [];
            this.state = State.Data;
          } else {
            // IAC <other> inside SB is a protocol error: end the subnegotiation there (as telnet clients do).
            this.sb = [];
            this.state = State.Data;
          }
          break;
      }
    }
    flush();
  }
}
