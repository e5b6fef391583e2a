// Byte chunks in, console lines out: the framing half of the boot-log parser. Modelled on what a
// terminal does with a serial stream (and xterm.js's streaming TextDecoder): UTF-8 sequences split
// across chunks, CR / LF / CRLF / runs of CR, ANSI escapes, NUL and backspace, and lines capped so a
// megabyte of wrong-baud garbage costs linear time and bounded memory.

/** The part of WHATWG TextDecoder we use; present in Node, browsers and workers, absent from ES2022 lib. */
interface StreamingDecoder {
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
type DecoderCtor = new (label: string, options?: { fatal?: boolean }) => StreamingDecoder;

/**
 * Receives each line: its text, the host time of the chunk that held its first byte, whether it was
 * cut, and whether it is known to hold only printable ASCII and TAB (so the caller can skip its own check).
 */
export type LineSink = (text: string, hostTime: number, truncated: boolean, printable: boolean) => void;

// Anything but printable ASCII, TAB and line ends: one native scan per chunk instead of one per line.
const NOT_PRINTABLE = /[^\x20-\x7e\t\r\n]/;

const LF = 10;
const CR = 13;

export class LineFramer {
  private readonly decoder: StreamingDecoder;
  private partial = '';
  private partialTime = 0;
  private hasPartial = false;
  private truncated = false;
  /** Every piece of the pending line came from a chunk without control or non-ASCII characters. */
  private printable = true;
  private chunkPrintable = true;
  /** The last terminator was CR: swallow further CRs and one LF (`\r\r\n` is one line end). */
  private afterCr = false;

  constructor(private readonly maxLineLength: number) {
    const ctor = (globalThis as { TextDecoder?: DecoderCtor }).TextDecoder;
    this.decoder = ctor ? new ctor('utf-8', { fatal: false }) : new Utf8Decoder();
  }

  push(chunk: Uint8Array, hostTime: number, out: LineSink): void {
    if (chunk.length === 0) return;
    const text = this.decoder.decode(chunk, { stream: true });
    this.chunkPrintable = !NOT_PRINTABLE.test(text);
    this.scan(text, hostTime, out);
  }

  end(hostTime: number, out: LineSink): void {
    const text = this.decoder.decode();
    this.chunkPrintable = !NOT_PRINTABLE.test(text);
    this.scan(text, hostTime, out);
    if (this.hasPartial) this.emit(out);
  }

  private scan(text: string, hostTime: number, out: LineSink): void {
    const n = text.length;
    let i = 0;
    // Native indexOf finds terminators far faster than a per-character loop; -1 becomes n.
    let nextLf = -2;
    let nextCr = -2;
    while (i < n) {
      if (this.afterCr) {
        const c = text.charCodeAt(i);
        if (c === CR) {
          i++;
          continue;
        }
        this.afterCr = false;
        if (c === LF) {
          i++;
          continue;
        }
      }
      if (nextLf < i) {
        nextLf = text.indexOf('\n', i);
        if (nextLf < 0) nextLf = n;
      }
      if (nextCr < i) {
        nextCr = text.indexOf('\r', i);
        if (nextCr < 0) nextCr = n;
      }
      const end = nextLf < nextCr ? nextLf : nextCr;
      if (end > i) this.append(text, i, end, hostTime);
      if (end >= n) return;
      if (!this.hasPartial) this.startLine(hostTime);
      this.emit(out);
      this.afterCr = end === nextCr;
      i = end + 1;
    }
  }

  private startLine(hostTime: number): void {
    this.hasPartial = true;
    this.partialTime = hostTime;
    this.partial = '';
    this.truncated = false;
    this.printable = true;
  }

  private append(text: string, start: number, end: number, hostTime: number): void {
    if (!this.hasPartial) this.startLine(hostTime);
    if (!this.chunkPrintable) this.printable = false;
    const room = this.maxLineLength - this.partial.length;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    if (end - start > room) {
      end = start + room;
      this.truncated = true;
    }
    this.partial = this.partial.length === 0 ? text.slice(start, end) : this.partial + text.slice(start, end);
  }

  private emit(out: LineSink): void {
    const text = this.partial;
    const truncated = this.truncated;
    const printable = this.printable;
    this.hasPartial = false;
    this.partial = '';
    this.truncated = false;
    this.printable = true;
    out(text, this.partialTime, truncated, printable);
  }
}

// C0 controls other than TAB, DEL, and the C1 CSI: the slow path only runs when one is present.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x9b]/;
// CSI (ESC [ or 0x9b) ... final byte; OSC ... BEL or ST; other two-byte ESC sequences; a lone trailing ESC.
const ANSI = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]|\x1b/g;
const OTHER_CONTROL = /[\x00-\x07\x0b-\x1f\x7f]/g;

/** Removes what a terminal would not show as text: ANSI escapes, NUL, bells; applies backspaces. */
export function cleanLine(text: string): string {
  if (!CONTROL.test(text)) return text;
  let s = text.replace(ANSI, '');
  if (s.indexOf('\b') >= 0) {
    const kept: string[] = [];
    for (const ch of s) {
      if (ch === '\b') kept.pop();
      else kept.push(ch);
    }
    s = kept.join('');
  }
  return s.replace(OTHER_CONTROL, '');
}

/** Fallback UTF-8 decoder for runtimes without TextDecoder: keeps an incomplete sequence between chunks. */
class Utf8Decoder implements StreamingDecoder {
  private pending: number[] = [];

  decode(input?: Uint8Array, options?: { stream?: boolean }): string {
    const bytes = this.pending.length ? [...this.pending, ...(input ?? [])] : input ? Array.from(input) : [];
    this.pending = [];
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i]!;
      const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
      if (need < 0) {
        out += '\ufffd';
        i++;
        continue;
      }
      if (need === 0) {
        out += String.fromCharCode(b);
        i++;
        continue;
      }
      if (i + need >= bytes.length && options?.stream && bytes.slice(i + 1).every((x) => (x & 0xc0) === 0x80)) {
        this.pending = bytes.slice(i);
        break;
      }
      let cp = b & (0x3f >> need);
      let ok = true;
      for (let k = 1; k <= need; k++) {
        const cb = bytes[i + k];
        if (cb === undefined || (cb & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (cb & 0x3f);
      }
      if (!ok) {
        out += '\ufffd';
        i++;
        continue;
      }
      out += String.fromCodePoint(cp);
      i += need + 1;
    }
    return out;
  }
}
