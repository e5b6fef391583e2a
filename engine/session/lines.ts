// Console lines out of a session's received chunks, for exports: CR, LF and CRLF end a line (a CRLF split
// across chunks counts once), each line takes the host time of the chunk its first byte arrived in, ANSI
// escape sequences and other control bytes are removed, printk's `[    1.234567]` time is read when
// present (after an optional `<6>` level). Linear in the input, so megabyte lines cost what they weigh.
import { utf8Decode } from './bytes';
import type { SessionChunk, SessionMarker } from './session-data';

export interface ConsoleLine {
  /** Host time of the line's first byte, ms since epoch. */
  t: number;
  dir: 'rx' | 'tx';
  /** Text with escapes and control bytes removed. */
  text: string;
  /** printk time in seconds, when the line carries one. */
  printk?: number;
}

// CSI (ESC [ params intermediates final), OSC (ESC ] ... BEL or ST), other ESC sequences, 8-bit CSI,
// and any remaining C0/C1 control except TAB.
const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]|\x9b[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_RE, '');
}

const PRINTK_RE = /^(?:<\d{1,2}>)?\[\s*(\d{1,10})\.(\d{1,9})\]/;

export function printkTime(text: string): number | undefined {
  const m = PRINTK_RE.exec(text);
  if (!m) return undefined;
  return Number(m[1]) + Number(m[2]) / 10 ** m[2]!.length;
}

/** Removes the printk stamp (and the space after it) from the start of a line. */
export function withoutPrintkStamp(text: string): string {
  const m = PRINTK_RE.exec(text);
  if (!m) return text;
  const level = text.startsWith('<') ? text.slice(0, text.indexOf('>') + 1) : '';
  return level + text.slice(m[0].length).replace(/^ /, '');
}

/** Streaming splitter: push chunks, receive whole lines; `end()` flushes the last partial line. */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private lineStart = 0;
  private lastWasCr = false;

  constructor(
    private readonly dir: 'rx' | 'tx',
    private readonly onLine: (line: ConsoleLine) => void,
  ) {}

  push(t: number, bytes: Uint8Array): void {
    let from = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b !== 0x0a && b !== 0x0d) continue;
      if (b === 0x0a && this.lastWasCr && i === from && this.parts.length === 0) {
        // the LF of a CRLF whose CR ended the previous line
        from = i + 1;
        this.lastWasCr = false;
        continue;
      }
      if (this.parts.length === 0) this.lineStart = t;
      this.parts.push(bytes.subarray(from, i));
      this.emit();
      this.lastWasCr = b === 0x0d;
      from = i + 1;
    }
    if (from < bytes.length) {
      if (this.parts.length === 0) this.lineStart = t;
      this.parts.push(bytes.subarray(from));
      this.lastWasCr = false;
    }
  }

  end(): void {
    if (this.parts.length > 0) this.emit();
    this.lastWasCr = false;
  }

  private emit(): void {
    const parts = this.parts;
    this.parts = [];
    let n = 0;
    for (const p of parts) n += p.length;
    let joined: Uint8Array;
    if (parts.length === 1) joined = parts[0]!;
    else {
      joined = new Uint8Array(n);
      let o = 0;
      for (const p of parts) {
        joined.set(p, o);
        o += p.length;
      }
    }
    const text = stripAnsi(utf8Decode(joined));
    const line: ConsoleLine = { t: this.lineStart, dir: this.dir, text };
    const pk = printkTime(text);
    if (pk !== undefined) line.printk = pk;
    this.onLine(line);
  }
}

export type ConsoleItem = { kind: 'line'; line: ConsoleLine } | { kind: 'marker'; marker: SessionMarker };

/**
 * Lines of the received stream (and, with `includeTx`, of what was typed) interleaved with markers in
 * time order. A marker such as `lost` or `reset` ends the pending partial line so it does not glue to the
 * next boot's first line.
 */
export function consoleItems(chunks: readonly SessionChunk[], markers: readonly SessionMarker[], includeTx = false): ConsoleItem[] {
  const items: ConsoleItem[] = [];
  const rx = new LineSplitter('rx', (line) => items.push({ kind: 'line', line }));
  const tx = new LineSplitter('tx', (line) => items.push({ kind: 'line', line }));
  let m = 0;
  for (const c of chunks) {
    while (m < markers.length && markers[m]!.t <= c.t) {
      rx.end();
      tx.end();
      items.push({ kind: 'marker', marker: markers[m++]! });
    }
    if (c.dir === 'rx') rx.push(c.t, c.bytes);
    else if (includeTx) tx.push(c.t, c.bytes);
  }
  rx.end();
  tx.end();
  while (m < markers.length) items.push({ kind: 'marker', marker: markers[m++]! });
  return items;
}
