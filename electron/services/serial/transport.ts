// One serial line, whatever carries it: a local tty or pty (serialport), a raw TCP socket, or a
// telnet RFC 2217 COM port. The connection manager (./connections.ts) owns the lifecycle; a transport
// only moves bytes, applies settings and reports, once, that the line went away.
import type { SerialSettings, SignalState } from '../../common/contract';

export interface TransportHandlers {
  data(bytes: Uint8Array): void;
  /** The line went away without being asked to (unplug, socat killed, TCP reset). Called at most once. */
  lost(reason: string): void;
}

export interface LineTransport {
  /** The device path or address actually opened, for the record. */
  readonly resolvedPath: string;
  open(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  applySettings(settings: SerialSettings): Promise<void>;
  /** Returns a note when the line has no such signals but the call is harmless (a pty). */
  setSignals(signals: SignalState): Promise<string | undefined>;
  /** Holds BREAK for `ms`; returns a note like setSignals. */
  sendBreak(ms: number): Promise<string | undefined>;
  close(): Promise<void>;
}

export type TransportFactory = (handlers: TransportHandlers) => LineTransport;

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
