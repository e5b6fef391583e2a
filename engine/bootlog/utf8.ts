// The engine's one UTF-8 decoder, for the live parser, session import and session exports alike: the
// WHATWG Encoding Standard's UTF-8 decode (each maximal invalid subpart becomes one U+FFFD, never
// throws, a byte-order mark is kept as text), streaming, so a sequence split across chunks decodes
// as if it had arrived whole. The platform's TextDecoder implements the same algorithm natively and is
// used when present (it is faster); this file's state machine is the reference where it is absent.

export interface Utf8StreamDecoder {
  /** Decodes `input`; with `stream`, an incomplete sequence at the end is kept for the next call. */
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}

type NativeCtor = new (label: string, options?: { fatal?: boolean; ignoreBOM?: boolean }) => Utf8StreamDecoder;

/** A streaming UTF-8 decoder: the platform's when `native` (default) and present, else Utf8Decoder. */
export function createUtf8Decoder(native = true): Utf8StreamDecoder {
  const ctor = native ? (globalThis as { TextDecoder?: NativeCtor }).TextDecoder : undefined;
  return ctor ? new ctor('utf-8', { fatal: false, ignoreBOM: true }) : new Utf8Decoder();
}

/** Decodes bytes[from..to) whole; invalid or truncated sequences become U+FFFD. */
export function utf8Decode(bytes: Uint8Array, from = 0, to = bytes.length): string {
  return decodeRange(bytes, from, to, false).text;
}

/** The WHATWG UTF-8 decoder as a state machine in plain TypeScript (no TextDecoder needed). */
export class Utf8Decoder implements Utf8StreamDecoder {
  /** Bytes of a sequence the previous chunk left open (at most three). */
  private pending: Uint8Array | null = null;

  decode(input: Uint8Array = new Uint8Array(0), options?: { stream?: boolean }): string {
    let bytes = input;
    if (this.pending !== null) {
      bytes = new Uint8Array(this.pending.length + input.length);
      bytes.set(this.pending, 0);
      bytes.set(input, this.pending.length);
      this.pending = null;
    }
    const { text, stoppedAt } = decodeRange(bytes, 0, bytes.length, options?.stream === true);
    if (stoppedAt < bytes.length) this.pending = bytes.slice(stoppedAt);
    return text;
  }
}

/**
 * Decodes bytes[from..to). With `stream`, a sequence that is valid so far but cut by `to` is not
 * decoded: `stoppedAt` says where it starts.
 */
function decodeRange(bytes: Uint8Array, from: number, to: number, stream: boolean): { text: string; stoppedAt: number } {
  const parts: string[] = [];
  let codes: number[] = [];
  const flush = () => {
    parts.push(String.fromCharCode.apply(null, codes));
    codes = [];
  };
  let i = from;
  while (i < to) {
    const b = bytes[i]!;
    if (b < 0x80) {
      codes.push(b);
      i++;
      if (codes.length > 8192) flush();
      continue;
    }
    let need = 0;
    let cp = 0;
    // The first continuation byte's range depends on the lead byte (no overlongs, no surrogates, ≤ U+10FFFF).
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else {
      codes.push(0xfffd);
      i++;
      if (codes.length > 8192) flush();
      continue;
    }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      if (j >= to) {
        if (stream) {
          flush();
          return { text: parts.join(''), stoppedAt: i };
        }
        ok = false;
        break;
      }
      const c = bytes[j]!;
      if (c < lo || c > hi) {
        ok = false;
        break;
      }
      lo = 0x80;
      hi = 0xbf;
      cp = (cp << 6) | (c & 0x3f);
    }
    // A bad sequence is one U+FFFD up to (not including) the byte that broke it.
    if (!ok) codes.push(0xfffd);
    else if (cp >= 0x10000) {
      cp -= 0x10000;
      codes.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else codes.push(cp);
    i = j;
    if (codes.length > 8192) flush();
  }
  flush();
  return { text: parts.join(''), stoppedAt: to };
}
