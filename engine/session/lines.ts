// Console lines out of a session's received chunks, for exports, framed by the engine's one line framer
// (engine/bootlog/line-framer.ts): CR, LF, CRLF and CR runs end a line (`next\r\r\n` once, split across
// chunks or not), each line takes the host time of the chunk its first byte arrived in, ANSI escapes and
// other control bytes are removed, printk's `[    1.234567]` time is read when present (after an
// optional `<6>` level). Linear in the input, so megabyte lines cost what they weigh.
import { cleanLine, LineFramer, type LineSink } from '../bootlog';
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

// C1 controls (U+0080..U+009F) left after escape removal.
const C1_RE = /[\x80-\x9f]/g;

/** What the framer's cleanLine keeps of a console line, minus the C1 controls a terminal would not print either. */
export function stripAnsi(text: string): string {
  return cleanLine(text).replace(C1_RE, '');
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

/**
 * Streaming splitter: push chunks, receive whole lines; `end()` flushes the last partial line. The
 * engine's one line framer and UTF-8 decoder (engine/bootlog) do the work, so an export shows exactly
 * the lines the live parser read.
 */
export class LineSplitter {
  private readonly framer = new LineFramer(Number.MAX_SAFE_INTEGER);
  private readonly sink: LineSink = (text, t) => {
    const clean = stripAnsi(text);
    const line: ConsoleLine = { t, dir: this.dir, text: clean };
    const pk = printkTime(clean);
    if (pk !== undefined) line.printk = pk;
    this.onLine(line);
  };

  constructor(
    private readonly dir: 'rx' | 'tx',
    private readonly onLine: (line: ConsoleLine) => void,
  ) {}

  push(t: number, bytes: Uint8Array): void {
    this.framer.push(bytes, t, this.sink);
  }

  end(): void {
    this.framer.end(0, this.sink);
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
