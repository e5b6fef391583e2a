// Byte chunks in, console lines out: the engine's one console line framer (the live parser, session
// import and session exports all frame with it). Modelled on what a terminal does with a serial stream
// (and xterm.js's streaming TextDecoder): UTF-8 sequences split across chunks (utf8.ts), CR / LF / CRLF
// / runs of CR (`next\r\r\n` is one line end), ANSI escapes, NUL and backspace, and lines capped so a
// megabyte of wrong-baud garbage costs linear time and bounded memory.
import { createUtf8Decoder, type Utf8StreamDecoder } from './utf8';

type Latin1Ctor = new (label: string) => Utf8StreamDecoder;

/**
 * Receives each line: its text, the host time of the chunk that held its first byte, whether it was
 * cut, whether it is known to hold only printable ASCII and TAB (so the caller can skip its own check),
 * and whether a chunk it came from held one of the framer's markers (false: the line cannot hold one,
 * unless it had control characters to clean, which can join a marker's pieces).
 */
export type LineSink = (text: string, hostTime: number, truncated: boolean, printable: boolean, marked: boolean) => void;

// Anything but printable ASCII, TAB and line ends (for the decoder's final flush; chunks are checked as bytes).
const NOT_PRINTABLE = /[^\x20-\x7e\t\r\n]/;

const STREAM = { stream: true };
const LF = 10;
const CR = 13;

export class LineFramer {
  private readonly decoder: Utf8StreamDecoder;
  /** For chunks of plain ASCII: a single-byte decoder gives the same text several times faster. */
  private readonly asciiDecoder: Utf8StreamDecoder | null;
  private partial = '';
  private partialTime = 0;
  private hasPartial = false;
  private truncated = false;
  /** Every piece of the pending line came from a chunk without control or non-ASCII characters. */
  private printable = true;
  /** A piece of the pending line came from a chunk holding a marker. */
  private marked = false;
  private chunkMarked = false;
  /** The end of the text decoded so far, for markers cut across two chunks. */
  private tail = '';
  private readonly markerReach: number;
  private chunkPrintable = true;
  /** The last terminator was CR: swallow further CRs and one LF (`\r\r\n` is one line end). */
  private afterCr = false;
  /** The previous chunk ended inside (or after) a non-ASCII byte: the decoder may still hold part of a sequence. */
  private openSequence = false;

  /** `markers`: strings the caller looks for in some lines; one native search per chunk says which lines may hold one. */
  constructor(
    private readonly maxLineLength: number,
    private readonly markers: readonly string[] = [],
  ) {
    this.markerReach = Math.max(0, ...markers.map((m) => m.length - 1));
    this.decoder = createUtf8Decoder();
    const latin1 = (globalThis as { TextDecoder?: Latin1Ctor }).TextDecoder;
    this.asciiDecoder = latin1 ? new latin1('latin1') : null;
  }

  push(chunk: Uint8Array, hostTime: number, out: LineSink): void {
    if (chunk.length === 0) return;
    // Checked on the bytes: a printable-ASCII chunk decodes to itself, unless the decoder prepends the
    // rest of a sequence the previous chunk opened (then the per-line check decides, as it always may).
    const printable = !this.openSequence && isPrintableAscii(chunk);
    let text: string;
    // Such a chunk leaves the UTF-8 decoder's state as it was (nothing pending), so it may skip it.
    if (printable && this.asciiDecoder !== null) text = this.asciiDecoder.decode(chunk);
    else text = this.decoder.decode(chunk, STREAM);
    this.chunkPrintable = printable;
    this.openSequence = chunk[chunk.length - 1]! >= 0x80;
    this.chunkMarked = this.holdsMarker(text);
    this.scan(text, hostTime, out);
  }

  /** The line still being received (a prompt such as `login: ` waits there for input), raw: clean it with cleanLine. */
  get pendingLine(): string {
    return this.hasPartial ? this.partial : '';
  }

  end(hostTime: number, out: LineSink): void {
    const text = this.decoder.decode();
    this.openSequence = false;
    this.chunkPrintable = !NOT_PRINTABLE.test(text);
    this.chunkMarked = this.holdsMarker(text);
    this.scan(text, hostTime, out);
    if (this.hasPartial) this.emit(out);
    // A later push starts afresh (a session marker ends the pending line; the next bytes are a new one).
    this.afterCr = false;
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

  /** `text` (or the seam between the previous text and it) holds a marker. */
  private holdsMarker(text: string): boolean {
    const reach = this.markerReach;
    if (reach === 0) return this.markers.length > 0 && this.markers.some((m) => text.indexOf(m) >= 0);
    const seam = this.tail + text.slice(0, reach);
    this.tail = text.length >= reach ? text.slice(text.length - reach) : (this.tail + text).slice(-reach);
    for (const m of this.markers) if (text.indexOf(m) >= 0 || seam.indexOf(m) >= 0) return true;
    return false;
  }

  private startLine(hostTime: number): void {
    this.hasPartial = true;
    this.partialTime = hostTime;
    this.partial = '';
    this.truncated = false;
    this.printable = true;
    this.marked = false;
  }

  private append(text: string, start: number, end: number, hostTime: number): void {
    if (!this.hasPartial) this.startLine(hostTime);
    if (!this.chunkPrintable) this.printable = false;
    if (this.chunkMarked) this.marked = true;
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
    const marked = this.marked;
    this.hasPartial = false;
    this.partial = '';
    this.truncated = false;
    this.printable = true;
    this.marked = false;
    out(text, this.partialTime, truncated, printable, marked);
  }
}

/** bytes[from..to) holds a byte outside printable ASCII, TAB, LF and CR. */
function hasOddByte(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if (c > 126 || (c < 32 && c !== 10 && c !== 13 && c !== 9)) return true;
  }
  return false;
}

// 0x80808080 as an int32: the high bit of each byte.
const HIGH_BITS = -0x7f7f7f80;

/**
 * Every byte is printable ASCII, TAB, LF or CR: four bytes per step. A word may hold a byte >= 0x7f,
 * or a byte < 0x20, when the carry/borrow tricks below set that byte's high bit (never a miss; a false
 * alarm only next to a true one); only such words are looked at byte by byte. Several times cheaper
 * than a regex over the decoded text.
 */
function isPrintableAscii(bytes: Uint8Array): boolean {
  const n = bytes.length;
  const head = Math.min(n, (4 - (bytes.byteOffset & 3)) & 3);
  const words = (n - head) >> 2;
  const tail = head + words * 4;
  if (hasOddByte(bytes, 0, head) || hasOddByte(bytes, tail, n)) return false;
  if (words === 0) return true;
  const view = new Int32Array(bytes.buffer, bytes.byteOffset + head, words);
  for (let k = 0; k < words; k++) {
    const w = view[k]!;
    if ((((w + 0x01010101) | w) & HIGH_BITS) !== 0 || ((w - 0x20202020) & ~w & HIGH_BITS) !== 0) {
      if (hasOddByte(bytes, head + k * 4, head + k * 4 + 4)) return false;
    }
  }
  return true;
}

// C0 controls other than TAB, DEL, and the C1 CSI: the slow path only runs when one is present.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x9b]/;
// CSI (ESC [ or 0x9b) ... final byte; OSC ... BEL or ST; DCS/SOS/PM/APC strings ... ST; other two-byte
// ESC sequences; a lone trailing ESC.
const ANSI = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]|\x1b/g;
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

/**
 * Splits whole bytes into console lines with the framer's own rule (a line ends at LF, or at CR with
 * any further CRs and one LF after it), each line keeping its terminator so the pieces rejoin into the
 * input exactly: for readers that must keep bytes (session import) yet agree with the framer on lines.
 */
export function splitConsoleLines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b === LF) {
      out.push(bytes.subarray(from, i + 1));
      from = ++i;
    } else if (b === CR) {
      i++;
      while (i < n && bytes[i] === CR) i++;
      if (i < n && bytes[i] === LF) i++;
      out.push(bytes.subarray(from, i));
      from = i;
    } else i++;
  }
  if (from < n) out.push(bytes.subarray(from));
  return out;
}
